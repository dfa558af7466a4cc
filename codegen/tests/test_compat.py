"""The compatibility check (gen.py --compat, --compat-baseline): every
classification rule, the version-bump path, exit codes, `file:line` in the
messages, the baseline file, and the reference doc's list of changes.

Most tests work on a copy of the small schema in fixtures/compat/ (named
schema/ in a temporary directory, as in the repository) and run the
generator in this process. `RealSchemaScenario` edits a copy of the real
schema through the lines the loader reports, not through its text."""

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import gen
from roam_codegen import compat

from .support import line_of

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "compat")
ROOT = os.path.dirname(os.path.dirname(HERE))
REAL_SCHEMA = os.path.join(ROOT, "schema")
BASELINE = os.path.join("schema", compat.BASELINE_NAME)
DOC = os.path.join("generated", "docs", "roam_shm_layout.md")
LINE = re.compile(r"^schema/[0-9a-z-]+\.yaml:[1-9][0-9]*: (compatible|breaking): \S")


class Scratch:
    """A temporary directory with schema/ (a copy of `source`) and generated/."""

    def __init__(self, source):
        self._tmp = tempfile.TemporaryDirectory(prefix="roam-compat-test-")
        self.root = self._tmp.name
        shutil.copytree(source, self.path("schema"))

    def close(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def read(self, rel):
        with open(self.path(rel), encoding="utf-8", newline="") as f:
            return f.read()

    def write(self, rel, text):
        with open(self.path(rel), "w", encoding="utf-8", newline="") as f:
            f.write(text)

    def edit(self, name, old, new, after=None):
        """Replace the first `old` (after the anchor `after`) in schema/name."""
        rel = os.path.join("schema", name)
        text = self.read(rel)
        start = text.find(after) if after else 0
        if start < 0:
            raise AssertionError(f"{name}: anchor {after!r} not found")
        i = text.find(old, start)
        if i < 0:
            raise AssertionError(f"{name}: {old!r} not found")
        self.write(rel, text[:i] + new + text[i + len(old):])

    def line(self, name, *anchors):
        return line_of(self.read(os.path.join("schema", name)), *anchors)

    def gen(self, *args):
        """(exit code, stdout, stderr) of gen.py run in this process."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = gen.main(["--schema", self.path("schema"),
                             "--out", self.path("generated"), *args])
        return code, out.getvalue(), err.getvalue()


class CompatCase(unittest.TestCase):
    maxDiff = None
    source = FIXTURE

    def setUp(self):
        self.ws = Scratch(self.source)
        self.addCleanup(self.ws.close)
        if os.path.exists(self.ws.path(BASELINE)):
            os.remove(self.ws.path(BASELINE))
        code, _out, err = self.ws.gen("--compat-baseline")
        self.assertEqual(code, 0, err)

    def compat(self, expect_code):
        code, out, err = self.ws.gen("--compat")
        report = f"\n--- stdout:\n{out}--- stderr:\n{err}"
        self.assertEqual(code, expect_code, report)
        lines = out.splitlines()
        for ln in lines:
            self.assertRegex(ln, LINE, report)
        self.assertEqual(sum(": breaking: " in ln for ln in lines) > 0, expect_code == 1,
                         report)
        return lines

    def assertDifference(self, lines, file, line, kind, *phrases):
        prefix = f"schema/{file}:{line}: {kind}: "
        hits = [ln for ln in lines if ln.startswith(prefix)
                and all(p in ln for p in phrases)]
        self.assertTrue(hits, f"no {prefix!r} line with {phrases!r} in:\n" + "\n".join(lines))

    def assertOnly(self, lines, file, line, kind, *phrases):
        self.assertEqual(len(lines), 1, "\n".join(lines))
        self.assertDifference(lines, file, line, kind, *phrases)


H = "10-header.yaml"


class Fields(CompatCase):
    def test_field_moved(self):
        # width and height trade places: both move.
        self.ws.edit(H, "- name: width", "- name: HEIGHT")
        self.ws.edit(H, "- name: height", "- name: width")
        self.ws.edit(H, "- name: HEIGHT", "- name: height")
        lines = self.compat(1)
        self.assertDifference(lines, H, self.ws.line(H, "name: width", "offset:"),
                              "breaking", "field 'header.width' moved from offset 16 to 20")
        self.assertDifference(lines, H, self.ws.line(H, "name: height", "offset:"),
                              "breaking", "field 'header.height' moved from offset 20 to 16")

    def test_field_resized(self):
        self.ws.edit(H, "type: u32", "type: u16\n        writer: host-init\n"
                     "        doc: Narrow.\n\n      - name: gap\n        offset: 18\n"
                     "        type: u16\n        reserved: true", after="name: width")
        self.ws.edit(H, "writer: host-init", "writer: none", after="name: gap")
        self.ws.edit(H, "doc: Width.", "doc: Zero.")
        lines = self.compat(1)
        at = self.ws.line(H, "name: width", "type:")
        self.assertDifference(lines, H, at, "breaking",
                              "field 'header.width' resized from 4 to 2 bytes")
        self.assertDifference(lines, H, at, "breaking",
                              "field 'header.width' retyped from u32 to u16")
        self.assertDifference(lines, H, self.ws.line(H, "name: gap"), "breaking",
                              "field 'header.gap' added", "bytes 18..19",
                              "which v7 peers use for 'header.width'")

    def test_field_retyped_same_size(self):
        self.ws.edit(H, "type: u64", "type: u32[2]", after="name: total")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: total", "type:"), "breaking",
                        "field 'header.total' retyped from u64 to u32[2]")

    def test_field_removed_is_reported_at_its_baseline_line(self):
        baseline_line = self.ws.line(H, "name: height")
        self.ws.edit(H, "- name: height", "- name: unused")
        self.ws.edit(H, "type: u32\n        writer: host-init\n        doc: Height.",
                     "type: u8[4]\n        reserved: true\n        writer: none\n"
                     "        doc: Zero.", after="name: unused")
        lines = self.compat(1)
        self.assertDifference(lines, H, baseline_line, "breaking",
                              "field 'header.height' removed", "bytes 20..23")

    def test_field_renamed_in_place_is_compatible(self):
        self.ws.edit(H, "- name: width", "- name: breadth")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "name: breadth"),
                        "compatible", "'header.width' renamed to 'breadth'")

    def test_writer_changed(self):
        self.ws.edit(H, "writer: host-init", "writer: host", after="name: width")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: width", "writer:"), "breaking",
                        "writer changed from host-init to host")

    def test_field_made_reserved(self):
        self.ws.edit(H, "writer: host-init\n        doc: Height.",
                     "reserved: true\n        writer: none\n        doc: Height.")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: height"), "breaking",
                        "field 'header.height' made reserved")


class Reserved(CompatCase):
    def test_reserved_bytes_turned_into_a_field_are_compatible(self):
        self.ws.edit(H, "- name: reserved\n        offset: 40\n        type: u8[8]",
                     "- name: pid\n        offset: 40\n        type: u32\n"
                     "        writer: host-init\n        doc: Process id; 0 when unknown.\n\n"
                     "      - name: reserved\n        offset: 44\n        type: u8[4]")
        lines = self.compat(0)
        self.assertEqual(len(lines), 2, lines)
        self.assertDifference(lines, H, self.ws.line(H, "name: pid"),
                              "compatible", "field 'header.pid' added: a u32 field in "
                              "bytes 40..43, reserved in the baseline",
                              "zero must mean absent")
        self.assertDifference(lines, H, self.ws.line(H, "name: reserved", "offset:"),
                              "compatible", "reserved field 'header.reserved' now bytes "
                              "44..47 (was bytes 40..47)")

    def test_whole_reserved_range_turned_into_an_atomic_field(self):
        baseline_line = self.ws.line(H, "name: reserved")
        self.ws.edit(H, "- name: reserved\n        offset: 40\n        type: u8[8]\n"
                     "        reserved: true\n        writer: none",
                     "- name: stamp\n        offset: 40\n        type: u64\n"
                     "        atomic: {load: acquire, store: release}\n        writer: host")
        lines = self.compat(0)
        self.assertDifference(lines, H, self.ws.line(H, "name: stamp"),
                              "compatible", "field 'header.stamp' added: a u64 field")
        self.assertDifference(lines, H, baseline_line,
                              "compatible", "reserved field 'header.reserved' (bytes "
                              "40..47) removed: its bytes now hold new fields")

    def test_field_moved_into_reserved_bytes_is_still_breaking(self):
        # height leaves 20..23 for 40..43; the reserved tail shrinks.
        self.ws.edit(H, "- name: height\n        offset: 20\n        type: u32\n"
                     "        writer: host-init\n        doc: Height.",
                     "- name: hole\n        offset: 20\n        type: u8[4]\n"
                     "        reserved: true\n        writer: none\n        doc: Zero.")
        self.ws.edit(H, "- name: reserved\n        offset: 40\n        type: u8[8]",
                     "- name: height\n        offset: 40\n        type: u32\n"
                     "        writer: host-init\n        doc: Height.\n\n"
                     "      - name: reserved\n        offset: 44\n        type: u8[4]")
        lines = self.compat(1)
        self.assertDifference(lines, H, self.ws.line(H, "name: height", "offset:"),
                              "breaking", "field 'header.height' moved from offset 20 to 40")
        self.assertDifference(lines, H, self.ws.line(H, "name: hole"),
                              "breaking", "'header.hole' added: a reserved field in "
                              "bytes 20..23, which v7 peers use for 'header.height'")

    def test_new_field_past_the_old_end_is_breaking(self):
        self.ws.edit(H, "size: 48", "size: 56")
        self.ws.edit(H, "doc: Zero; room for later versions.",
                     "doc: Zero; room for later versions.\n\n      - name: extra\n"
                     "        offset: 48\n        type: u64\n        writer: host\n"
                     "        doc: Extra.")
        lines = self.compat(1)
        self.assertDifference(lines, H, self.ws.line(H, "size: 56"), "breaking",
                              "struct 'header' size changed from 48 to 56 bytes")
        self.assertDifference(lines, H, self.ws.line(H, "name: extra"),
                              "breaking", "bytes 48..55, past the end of the baseline's "
                              "struct")


class Atomics(CompatCase):
    def test_atomicity_dropped(self):
        self.ws.edit(H, "        atomic:\n          load: acquire\n          store: release\n"
                     "          rmw:\n            - {name: bump, op: fetch_add, order: "
                     "acquire, doc: Count one more.}\n", "")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: counter"), "breaking",
                        "field 'header.counter' no longer atomic (was load acquire, "
                        "store release)")

    def test_field_made_atomic_is_compatible(self):
        self.ws.edit(H, "writer: host-init", "atomic: {load: acquire, store: release}\n"
                     "        writer: host-init", after="name: width")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "name: width", "atomic:"), "compatible",
                        "field 'header.width' made atomic (load acquire, store release)")

    def test_load_ordering_weakened(self):
        self.ws.edit(H, "load: acquire", "load: relaxed", after="name: state")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: state", "load:"), "breaking",
                        "field 'header.state' load ordering weakened from acquire to "
                        "relaxed")

    def test_store_ordering_strengthened(self):
        self.ws.edit(H, "store: release", "store: seq_cst", after="name: state")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "name: state", "store:"), "compatible",
                        "field 'header.state' store ordering strengthened from release "
                        "to seq_cst")

    def test_rmw_ordering_weakened_and_strengthened(self):
        # acquire -> release is no stronger: it loses the acquire.
        self.ws.edit(H, "order: acquire", "order: release")
        self.ws.edit(H, "success: acq_rel", "success: seq_cst")
        lines = self.compat(1)
        self.assertEqual(len(lines), 2, lines)
        self.assertDifference(lines, H, self.ws.line(H, "name: bump"), "breaking",
                              "rmw 'bump' of field 'header.counter' order ordering "
                              "weakened from acquire to release")
        self.assertDifference(lines, H, self.ws.line(H, "name: start"), "compatible",
                              "rmw 'start' of field 'header.state' success ordering "
                              "strengthened from acq_rel to seq_cst")

    def test_cas_failure_ordering_weakened(self):
        self.ws.edit(H, "failure: acquire", "failure: relaxed")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: start"), "breaking",
                        "failure ordering weakened from acquire to relaxed")

    def test_new_rmw_ops_are_compatible(self):
        # A field v7 peers already store any value in: a new compare-and-swap
        # or fetch op writes nothing they could not already see.
        self.ws.edit(H, "doc: Start.}", "doc: Start.}\n            - {name: finish, op: cas, "
                     "from: BUSY, to: DONE, success: acq_rel, failure: acquire, doc: F.}")
        self.ws.edit(H, "doc: Count one more.}", "doc: Count one more.}\n"
                     "            - {name: drop, op: fetch_sub, order: acq_rel, doc: D.}")
        lines = self.compat(0)
        self.assertDifference(lines, H, self.ws.line(H, "name: finish"), "compatible",
                              "rmw 'finish' of field 'header.state' added: a "
                              "compare-and-swap BUSY->DONE")
        self.assertDifference(lines, H, self.ws.line(H, "name: drop"), "compatible",
                              "rmw 'drop' of field 'header.counter' (fetch_sub) added")

    def test_rmw_removed(self):
        at = self.ws.line(H, "name: bump")
        self.ws.edit(H, "\n          rmw:\n            - {name: bump, op: fetch_add, order: "
                     "acquire, doc: Count one more.}", "")
        lines = self.compat(1)
        self.assertOnly(lines, H, at, "breaking", "rmw 'bump' of field 'header.counter' "
                        "removed")


class Structs(CompatCase):
    def test_struct_size_changed(self):
        self.ws.edit(H, "size: 48", "size: 56")
        self.ws.edit(H, "type: u8[8]", "type: u8[16]", after="name: reserved")
        lines = self.compat(1)
        self.assertDifference(lines, H, self.ws.line(H, "size: 56"), "breaking",
                              "struct 'header' size changed from 48 to 56 bytes")

    def test_struct_align_changed(self):
        self.ws.edit(H, "align: 8", "align: 16")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "align: 16"), "breaking",
                        "struct 'header' align changed from 8 to 16")

    def test_new_struct_is_compatible(self):
        self.ws.write(os.path.join("schema", "40-extra.yaml"),
                      "structs:\n  - name: extra\n    doc: New.\n    size: 4\n    align: 4\n"
                      "    fields:\n      - {name: x, offset: 0, type: u32, writer: host,"
                      " doc: X.}\n")
        lines = self.compat(0)
        self.assertOnly(lines, "40-extra.yaml", 2, "compatible", "struct 'extra' added")

    def test_removed_struct_is_breaking(self):
        # The region that placed it goes too: a layout change.
        region = self.ws.line("30-segment.yaml", "name: table")
        self.ws.write(os.path.join("schema", "20-entry.yaml"), "# Nothing.\n")
        self.ws.edit("30-segment.yaml", '    - name: table\n      doc: The table.\n'
                     '      struct: entry\n      count: "4"\n      offset: end(header)\n'
                     '      size: 4 * 8\n', "")
        self.ws.edit("30-segment.yaml", "total_size: end(table)", "total_size: end(header)")
        lines = self.compat(1)
        self.assertDifference(lines, "20-entry.yaml", 4, "breaking",
                              "struct 'entry' removed")
        self.assertDifference(lines, "30-segment.yaml", region, "breaking",
                              "layout region 'table' removed")

    def test_doc_only_change_is_compatible(self):
        self.ws.edit(H, "doc: The header.", "doc: The header, first in the segment.")
        self.ws.edit(H, "doc: Width.", "doc: Width in cells.")
        lines = self.compat(0)
        self.assertEqual(len(lines), 2, lines)
        self.assertDifference(lines, H, self.ws.line(H, "doc: The header,"), "compatible",
                              "doc of struct 'header' changed")
        self.assertDifference(lines, H, self.ws.line(H, "doc: Width in"), "compatible",
                              "doc of field 'header.width' changed")


class Constants(CompatCase):
    def test_constant_value_changed(self):
        self.ws.edit(H, "value: 64", "value: 128")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "value: 128"), "breaking",
                        "constant 'LIMIT' changed from 64 to 128")

    def test_new_constant_is_compatible(self):
        self.ws.edit(H, "constants:\n", "constants:\n  - {name: NEW_ONE, type: u32, value: 9,"
                     " doc: New.}\n")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "NEW_ONE"), "compatible",
                        "constant 'NEW_ONE' added (9)")

    def test_constant_removed(self):
        at = self.ws.line(H, "name: LIMIT")
        self.ws.edit(H, "  - name: LIMIT\n    type: u32\n    value: 64\n"
                     "    doc: Most entries.\n\n", "")
        lines = self.compat(1)
        self.assertOnly(lines, H, at, "breaking", "constant 'LIMIT' removed")

    def test_expr_rewritten_with_the_same_value(self):
        self.ws.edit(H, "expr: size(header)", "expr: 6 * 8")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "expr: 6 * 8"), "compatible",
                        "constant 'HEADER_SIZE' now given by '6 * 8'", "unchanged")


class Enums(CompatCase):
    def test_enum_value_added(self):
        self.ws.edit(H, "{name: DONE, value: 2, doc: Done.}",
                     "{name: DONE, value: 2, doc: Done.}\n      - {name: LOST, value: 3,"
                     " doc: Lost.}")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "name: LOST"), "compatible",
                        "enum value 'state.LOST' = 3 added")

    def test_enum_value_removed(self):
        at = self.ws.line(H, "name: DONE")
        self.ws.edit(H, "\n      - {name: DONE, value: 2, doc: Done.}", "")
        lines = self.compat(1)
        self.assertOnly(lines, H, at, "breaking", "enum value 'state.DONE' = 2 removed")

    def test_enum_value_renumbered(self):
        self.ws.edit(H, "{name: DONE, value: 2,", "{name: DONE, value: 7,")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: DONE"), "breaking",
                        "enum value 'state.DONE' renumbered from 2 to 7")

    def test_enum_value_renamed_with_its_number(self):
        self.ws.edit(H, "{name: DONE, value: 2,", "{name: FINISHED, value: 2,")
        lines = self.compat(0)
        self.assertOnly(lines, H, self.ws.line(H, "name: FINISHED"), "compatible",
                        "'state.DONE' renamed to 'FINISHED' (value 2 unchanged)")


class Flags(CompatCase):
    def test_flag_bit_added_even_in_an_exclusive_group(self):
        self.ws.edit(H, "{name: SAFE, bit: 1, doc: Safe.}",
                     "{name: SAFE, bit: 1, doc: Safe.}\n      - {name: LOUD, bit: 2, doc: L.}")
        self.ws.edit(H, "[FAST, SAFE]", "[FAST, SAFE, LOUD]")
        lines = self.compat(0)
        self.assertDifference(lines, H, self.ws.line(H, "name: LOUD"), "compatible",
                              "flag bit 'mode.LOUD' = bit 2 added")
        self.assertDifference(lines, H, self.ws.line(H, "[FAST, SAFE, LOUD]"),
                              "compatible", "'mode.FAST' and 'mode.LOUD' are exclusive")
        self.assertEqual(len(lines), 3, lines)

    def test_flag_bit_moved(self):
        self.ws.edit(H, "{name: SAFE, bit: 1,", "{name: SAFE, bit: 3,")
        lines = self.compat(1)
        self.assertOnly(lines, H, self.ws.line(H, "name: SAFE"), "breaking",
                        "flag bit 'mode.SAFE' moved from 1 to 3")

    def test_exclusive_group_dropped(self):
        at = self.ws.line(H, "[FAST, SAFE]")
        self.ws.edit(H, "    exclusive:\n      - [FAST, SAFE]\n", "")
        lines = self.compat(1)
        self.assertOnly(lines, H, at, "breaking", "may now be set together")


class Layout(CompatCase):
    def test_layout_formula_changed(self):
        self.ws.edit("30-segment.yaml", 'size: 4 * 8', 'size: 4 * 16')
        lines = self.compat(1)
        self.assertOnly(lines, "30-segment.yaml", self.ws.line("30-segment.yaml",
                                                               "name: table"),
                        "breaking", "layout formula 'layout.region.table.size' changed "
                        "from '4 * 8' to '4 * 16'")

    def test_layout_doc_changed(self):
        self.ws.edit("30-segment.yaml", "doc: The header, then the table.",
                     "doc: The header first, then the table.")
        self.assertOnly(self.compat(0), "30-segment.yaml", 8, "compatible",
                        "doc of layout 'layout.doc' changed")


class VersionBump(CompatCase):
    def breaking_change(self):
        self.ws.edit(H, "value: 64", "value: 128")

    def bump(self, version=True, magic=True):
        if version:
            self.ws.edit(H, "value: 3", "value: 4")
        if magic:
            self.ws.edit(H, '"TST\\x03"', '"TST\\x04"')

    def assertRefused(self, *phrases):
        before = self.ws.read(BASELINE)
        code, out, err = self.ws.gen("--compat-baseline")
        self.assertEqual(code, 1, err)
        self.assertEqual(out, "")
        self.assertIn("schema/abi-baseline.json: not rewritten", err)
        for p in phrases:
            self.assertIn(p, err)
        self.assertEqual(self.ws.read(BASELINE), before, "a refused baseline was written")

    def test_breaking_change_is_not_blessed_without_a_bump(self):
        self.breaking_change()
        self.assertRefused("constant 'LIMIT' changed from 64 to 128",
                           "SEGMENT_VERSION is still 3")

    def test_version_bumped_but_not_the_magic(self):
        self.breaking_change()
        self.bump(magic=False)
        self.assertRefused("the magic's last byte is 3, not the new SEGMENT_VERSION 4")

    def test_magic_bumped_but_not_the_version(self):
        self.breaking_change()
        self.bump(version=False)
        self.assertRefused("SEGMENT_VERSION is still 3")

    def test_version_going_down_is_refused(self):
        self.breaking_change()
        self.ws.edit(H, "value: 3", "value: 2")
        self.ws.edit(H, '"TST\\x03"', '"TST\\x02"')
        self.assertRefused("SEGMENT_VERSION went down from 3 to 2")

    def test_consistent_bump_records_the_new_baseline(self):
        self.breaking_change()
        self.bump()
        code, out, err = self.ws.gen("--compat")
        self.assertEqual(code, 1)
        self.assertIn("the format version was bumped: record the new ABI with "
                      "'make compat-baseline'", err)
        self.assertIn("breaking: constant 'SEGMENT_VERSION' changed from 3 to 4", out)
        self.assertIn('breaking: constant \'MAGIC\' changed from "TST\\x03" to "TST\\x04"', out)
        code, _out, err = self.ws.gen("--compat-baseline")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(self.ws.read(BASELINE))["segment_version"], 4)
        self.assertEqual(self.compat(0), [])

    def test_compatible_changes_need_no_bump(self):
        self.ws.edit(H, "doc: Width.", "doc: Width in cells.")
        code, _out, err = self.ws.gen("--compat-baseline")
        self.assertEqual(code, 0, err)
        self.assertIn("schema/abi-baseline.json: recorded", err)
        self.assertEqual(self.compat(0), [])

    def test_breaking_compat_names_the_way_out(self):
        self.breaking_change()
        code, _out, err = self.ws.gen("--compat")
        self.assertEqual(code, 1)
        self.assertIn("1 breaking, 0 compatible", err)
        self.assertIn("bump SEGMENT_VERSION and the magic's last byte to the same new "
                      "version and run 'make compat-baseline'", err)


class BaselineFile(CompatCase):
    def test_recording_twice_gives_the_same_bytes_and_leaves_the_file(self):
        first = self.ws.read(BASELINE)
        mtime = os.stat(self.ws.path(BASELINE)).st_mtime_ns
        code, _out, err = self.ws.gen("--compat-baseline")
        self.assertEqual(code, 0, err)
        self.assertIn("unchanged", err)
        self.assertEqual(self.ws.read(BASELINE), first)
        self.assertEqual(os.stat(self.ws.path(BASELINE)).st_mtime_ns, mtime)

    def test_same_schema_elsewhere_gives_the_same_bytes(self):
        other = Scratch(FIXTURE)
        self.addCleanup(other.close)
        self.assertEqual(other.gen("--compat-baseline")[0], 0)
        self.assertEqual(other.read(BASELINE), self.ws.read(BASELINE))

    def test_format_sorted_one_fact_per_line(self):
        text = self.ws.read(BASELINE)
        data = json.loads(text)
        self.assertEqual(list(data), sorted(data))
        self.assertEqual(data["format"], compat.FORMAT)
        self.assertEqual(data["segment_version"], 3)
        keys = list(data["facts"])
        self.assertEqual(keys, sorted(keys))
        fact_lines = [ln for ln in text.splitlines() if ln.startswith('    "')]
        self.assertEqual(len(fact_lines), len(keys))
        for key, ln in zip(keys, fact_lines):
            self.assertEqual(json.loads("{" + ln.rstrip(",") + "}"),
                             {key: data["facts"][key]})
            self.assertRegex(data["facts"][key]["at"], r"^schema/[0-9a-z-]+\.yaml:\d+$")
        self.assertEqual(data["facts"]["constant.MAGIC.value"]["value"], "54535403")
        self.assertEqual(data["facts"]["struct.header.field.state.rmw.start.success"]
                         ["value"], "acq_rel")
        self.assertEqual(data["facts"]["layout.region.table.size"]["value"], "4 * 8")
        self.assertEqual(data["facts"]["layout.region.table.offset"]["value"], "end(header)")

    def test_missing_baseline(self):
        os.remove(self.ws.path(BASELINE))
        code, out, err = self.ws.gen("--compat")
        self.assertEqual((code, out), (1, ""))
        self.assertIn("schema/abi-baseline.json: no ABI baseline", err)
        self.assertEqual(self.ws.gen()[0], 0)
        self.assertIn("There is no ABI baseline", self.ws.read(DOC))

    def test_corrupt_baseline_is_named_with_its_line(self):
        self.ws.write(BASELINE, '{\n  "facts": {\n  oops\n}\n')
        for args in (["--compat"], ["--compat-baseline"], []):
            with self.subTest(args=args):
                code, out, err = self.ws.gen(*args)
                self.assertEqual((code, out), (1, ""))
                self.assertRegex(err, r"^schema/abi-baseline\.json:3: not valid JSON")
        self.assertFalse(os.path.exists(self.ws.path("generated")))

    def test_fact_of_the_wrong_shape(self):
        data = json.loads(self.ws.read(BASELINE))
        data["facts"]["struct.header.size"] = 48
        self.ws.write(BASELINE, json.dumps(data))
        code, _out, err = self.ws.gen("--compat")
        self.assertEqual(code, 1)
        self.assertIn("fact 'struct.header.size' is not", err)

    def test_baseline_without_a_reserved_fields_offset_still_compares(self):
        data = json.loads(self.ws.read(BASELINE))
        del data["facts"]["struct.header.field.reserved.offset"]
        self.ws.write(BASELINE, json.dumps(data))
        self.assertOnly(self.compat(1), H, self.ws.line(H, "name: reserved", "offset:"),
                        "breaking", "reserved field 'header.reserved' offset changed "
                        "from none to 40")

    def test_unknown_fact_in_the_baseline_is_breaking(self):
        data = json.loads(self.ws.read(BASELINE))
        data["facts"]["future.thing"] = {"at": "schema/10-header.yaml:1", "value": 1}
        self.ws.write(BASELINE, json.dumps(data))
        self.assertOnly(self.compat(1), H, 1, "breaking", "fact 'future.thing' removed")


class Unchanged(unittest.TestCase):
    def test_the_rules_find_nothing_when_no_value_changed(self):
        # diff() answers "no difference" without running them then.
        from roam_codegen import compat_diff

        for folder in (FIXTURE, REAL_SCHEMA):
            with self.subTest(schema=folder):
                facts = compat.facts(gen.load_schema(folder))
                moved = {k: compat.Fact(f.value, f.at + "0") for k, f in facts.items()}
                rules = compat_diff._Diff(compat_diff._tree(facts), compat_diff._tree(moved))
                rules.run()
                self.assertEqual(rules.out, [])
                self.assertEqual(compat.diff(facts, moved), [])


class Doc(CompatCase):
    def test_doc_lists_the_changes_and_check_agrees(self):
        self.assertEqual(self.ws.gen()[0], 0)
        self.assertIn("## Changes since the ABI baseline\n\nNone: the schema states exactly "
                      "the ABI recorded in `schema/abi-baseline.json`", self.ws.read(DOC))
        self.ws.edit(H, "doc: Width.", "doc: Width | in cells.")
        self.ws.edit(H, "value: 64", "value: 128")
        self.assertEqual(self.ws.gen("--check")[0], 1)
        self.assertEqual(self.ws.gen()[0], 0)
        first = self.ws.read(DOC)
        section = first.split("## Changes since the ABI baseline\n")[1]
        self.assertIn(f"| `schema/{H}:{self.ws.line(H, 'value: 128')}` | breaking | "
                      "constant 'LIMIT' changed from 64 to 128: v7 peers use 64 |", section)
        self.assertIn(f"| `schema/{H}:{self.ws.line(H, 'doc: Width |')}` | compatible | "
                      "doc of field 'header.width' changed |", section)
        self.assertEqual(self.ws.gen("--check"), (0, "", ""))
        self.assertEqual(self.ws.gen()[0], 0)
        self.assertEqual(self.ws.read(DOC), first)

    def test_a_cached_baseline_gives_the_same_doc_and_follows_its_file(self):
        cache = ("--cache", self.ws.path("cache"))
        self.ws.edit(H, "doc: Width.", "doc: Width in cells.")
        self.assertEqual(self.ws.gen()[0], 0)
        plain = self.ws.read(DOC)
        for _ in range(2):      # kept, then read from the cache
            self.assertEqual(self.ws.gen(*cache)[0], 0)
            self.assertEqual(self.ws.read(DOC), plain)
        self.assertEqual(len(os.listdir(self.ws.path("cache", "baselines"))), 1)
        self.assertIn("doc of field 'header.width' changed", plain)
        # A baseline that changes is read again; a faulty one is never kept.
        self.assertEqual(self.ws.gen("--compat-baseline")[0], 0)
        self.assertEqual(self.ws.gen(*cache)[0], 0)
        self.assertIn("None: the schema states exactly", self.ws.read(DOC))
        self.ws.write(BASELINE, self.ws.read(BASELINE).replace('"facts": {', '"facts": [', 1))
        for _ in range(2):
            code, _out, err = self.ws.gen(*cache)
            self.assertEqual(code, 1)
            self.assertRegex(err, r"^schema/abi-baseline\.json:\d+: not valid JSON")
        self.assertEqual(len(os.listdir(self.ws.path("cache", "baselines"))), 2)


class Script(CompatCase):
    """gen.py as make runs it: the process's exit status."""

    def run_script(self, *args):
        return subprocess.run([sys.executable, os.path.join(ROOT, "codegen", "gen.py"),
                               "--schema", "schema", *args], cwd=self.ws.root,
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))

    def test_exit_status_zero_for_compatible_one_for_breaking(self):
        self.ws.edit(H, "doc: Width.", "doc: Width in cells.")
        r = self.run_script("--compat")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, LINE)
        self.ws.edit(H, "value: 64", "value: 128")
        r = self.run_script("--compat")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(": breaking: constant 'LIMIT' changed", r.stdout)


class RealSchemaScenario(CompatCase):
    """The README's realistic change, on a copy of the real schema: four
    reserved bytes of the segment header become a `u32` field (the README's
    `host_pid`; here a name the schema does not use yet, so that the test
    still runs once someone has made that very change), an enum gets a
    value, a doc is edited. The copy gets a fresh baseline first, so only
    these edits differ."""

    source = REAL_SCHEMA

    def setUp(self):
        super().setUp()
        self.schema = gen.load_schema(self.ws.path("schema"))
        self.header = self.schema.struct("segment_header")
        self.assertIsNotNone(self.header, "the schema has no segment_header struct")
        taken = {f.name for f in self.header.fields}
        self.pid = next(n for n in ("host_pid", "compat_test_pid", "compat_test_pid2")
                        if n not in taken)

    def lines(self, where):
        name = os.path.basename(where.path)
        return name, self.ws.read(os.path.join("schema", name)).split("\n")

    def put(self, name, lines):
        self.ws.write(os.path.join("schema", name), "\n".join(lines))

    def edited_field(self, struct, field):
        s = gen.load_schema(self.ws.path("schema")).struct(struct)
        return next(f for f in s.fields if f.name == field)

    def realistic_change(self):
        """Apply the three edits; returns {what: (file, line)} after them."""
        hd = self.header
        res = next((f for f in hd.fields if f.reserved and f.offset % 4 == 0
                    and f.type.base == "u8" and f.type.count >= 8), None)
        self.assertIsNotNone(res, "segment_header has no reserved u8[>=8] range")
        doc_field = next(f for f in hd.fields if not f.reserved
                         and f.line_of("doc") != f.where.line
                         and not re.match(r"\s*doc:\s*[>|]", self.lines(f.where)[1]
                                          [f.line_of("doc") - 1]))
        enum = self.schema.enums[0]
        last = enum.values[-1]

        # Edits go bottom-up within a file so that line numbers stay valid.
        edits = [(res.where, res.where.line, "field"), (doc_field.where,
                  doc_field.line_of("doc"), "doc"), (last.where, last.where.line, "enum")]
        for where, line, what in sorted(edits, key=lambda e: (e[0].path, -e[1])):
            name, text = self.lines(where)
            i = line - 1
            if what == "doc":
                text[i] = text[i].rstrip() + " Edited for the test."
            elif what == "enum":
                self.assertRegex(text[i], r"^\s*- \{name: ", "enum values in flow style")
                indent = text[i][:text[i].index("-")]
                text.insert(i + 1, f"{indent}- {{name: COMPAT_TEST, value: "
                            f"{max(v.value for v in enum.values) + 1}, doc: Added.}}")
            else:
                self.assertNotEqual(res.line_of("offset"), res.where.line, "block style")
                o, t = res.line_of("offset") - 1, res.line_of("type") - 1
                text[o] = re.sub(r"offset: \d+", f"offset: {res.offset + 4}", text[o])
                text[t] = re.sub(r"u8\[\d+\]", f"u8[{res.type.count - 4}]", text[t])
                indent = text[i][:text[i].index("-")]
                text[i:i] = [f"{indent}- name: {self.pid}", f"{indent}  offset: {res.offset}",
                             f"{indent}  type: u32", f"{indent}  writer: host-init",
                             f"{indent}  doc: Process id of the host; 0 when unknown.", ""]
            self.put(name, text)
        return res, doc_field, enum

    def test_reserved_bytes_to_host_pid_new_enum_value_and_doc_are_compatible(self):
        res, doc_field, enum = self.realistic_change()
        lines = self.compat(0)
        pid = self.edited_field("segment_header", self.pid)
        header_file = os.path.basename(pid.where.path)
        self.assertEqual(len(lines), 4, "\n".join(lines))
        self.assertDifference(lines, header_file, pid.where.line, "compatible",
                              f"field 'segment_header.{self.pid}' added: a u32 field in "
                              f"bytes {res.offset}..{res.offset + 3}, reserved in the "
                              "baseline")
        rest = self.edited_field("segment_header", res.name)
        self.assertDifference(lines, header_file, rest.line_of("offset"), "compatible",
                              f"reserved field 'segment_header.{res.name}' now bytes "
                              f"{res.offset + 4}..")
        doc = self.edited_field("segment_header", doc_field.name)
        self.assertDifference(lines, header_file, doc.line_of("doc"), "compatible",
                              f"doc of field 'segment_header.{doc_field.name}' changed")
        self.assertDifference(lines, os.path.basename(enum.where.path),
                              self.ws.line(os.path.basename(enum.where.path),
                                           "name: COMPAT_TEST"),
                              "compatible", f"enum value '{enum.name}.COMPAT_TEST'")
        # The reference doc lists the same four changes.
        self.assertEqual(self.ws.gen()[0], 0)
        section = self.ws.read(DOC).split("## Changes since the ABI baseline\n")[1]
        self.assertEqual(section.count("| compatible |"), 4, section)

    def test_moving_a_field_is_breaking_at_its_line(self):
        self.realistic_change()
        fields = self.edited_field("segment_header", self.pid)   # loads the edit
        hd = gen.load_schema(self.ws.path("schema")).struct("segment_header")
        a, b = next((a, b) for a, b in zip(hd.fields, hd.fields[1:])
                    if a.type == b.type and not (a.reserved or b.reserved
                                                 or a.atomic or b.atomic))
        name, text = self.lines(fields.where)
        for f, other in ((a, b), (b, a)):
            text[f.where.line - 1] = text[f.where.line - 1].replace(
                f"name: {f.name}", f"name: {other.name}")
        self.put(name, text)
        lines = self.compat(1)
        moved = self.edited_field("segment_header", a.name)
        self.assertDifference(lines, name, moved.line_of("offset"), "breaking",
                              f"field 'segment_header.{a.name}' moved from offset "
                              f"{a.offset} to {b.offset}")


if __name__ == "__main__":
    unittest.main()
