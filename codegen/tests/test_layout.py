"""The layout section, the error list and header `init`: checks with their
file:line, the worked example's evaluation, and generated C that computes
exactly what the generator computed.

Runs on the small fixture in fixtures/layout/; one test also runs the
C-versus-Python comparison on the project's schema, whatever it says."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CODEGEN = os.path.dirname(HERE)
ROOT = os.path.dirname(CODEGEN)
FIXTURE = os.path.join(HERE, "fixtures", "layout")
sys.path.insert(0, CODEGEN)

import gen  # noqa: E402
from roam_codegen import render  # noqa: E402
from roam_codegen.errors import ErrorList  # noqa: E402


class Fixture:
    """A scratch copy of the layout fixture, edited per test."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="roam-layout-test-")
        self.dir = os.path.join(self._tmp.name, "schema")
        shutil.copytree(FIXTURE, self.dir)

    def close(self):
        self._tmp.cleanup()

    def text(self, name):
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return f.read()

    def edit(self, name, old, new):
        text = self.text(name)
        self_check = text.count(old)
        if self_check != 1:
            raise AssertionError(f"{name}: {old!r} occurs {self_check} times")
        with open(os.path.join(self.dir, name), "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))

    def line(self, name, anchor):
        text = self.text(name)
        i = text.index(anchor)
        return text.count("\n", 0, i) + 1

    def load(self):
        return gen.load_schema(self.dir)


class LayoutTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.fx = Fixture()
        self.addCleanup(self.fx.close)

    def assertRejected(self, name, anchor, *phrases):
        """Loading fails with an error at the anchor's line naming every phrase."""
        line = self.fx.line(name, anchor)
        with self.assertRaises(ErrorList) as cm:
            self.fx.load()
        report = str(cm.exception)
        prefix = f"{os.path.join(self.fx.dir, name)}:{line}: "
        hits = [ln for ln in report.splitlines() if ln.startswith(prefix)]
        self.assertTrue(hits, f"no error at {name}:{line}\n{report}")
        self.assertTrue(any(all(p in ln for p in phrases) for ln in hits),
                        f"no error at {name}:{line} says {phrases}\n{report}")


class TestExample(LayoutTestCase):
    def test_fixture_evaluates(self):
        lay = self.fx.load().layout
        regions = {x["region"].name: x for x in lay.result["regions"]}
        # Worked by hand from the fixture's formulas.
        self.assertEqual((regions["table"]["offset"], regions["table"]["size"]), (48, 48))
        self.assertEqual((regions["blocks"]["offset"], regions["blocks"]["stride"]), (96, 136))
        self.assertEqual(regions["pool_table"]["offset"], 512)
        self.assertEqual(regions["pool_table"]["size"], 32)
        items = regions["pool_areas"]["items"]
        self.assertEqual([(p.name, off, size) for p, off, size in items[1]],
                         [("meta", 888, 40), ("data", 928, 64)])
        self.assertEqual(lay.result["total_size"], 992)

    def test_doc_shows_the_example(self):
        schema = self.fx.load()
        doc = render.render(schema, ["schema/x.yaml"])[os.path.join("docs", "roam_shm_layout.md")]
        self.assertIn("total_size = 992.", doc)
        self.assertIn("| `pool_table` | 2 item(s) of 16 | | 512 | 32 |", doc)

    def test_error_messages_quote_constants(self):
        schema = self.fx.load()
        header = render.render(schema, ["schema/x.yaml"])["roam_shm_layout.h"]
        self.assertIn('XX(E_TOO_MANY_ENTRIES, 1, "more than 10 entries")', header)
        self.assertIn("ROAM_E_BLOCK = 2,", header)


class TestRejected(LayoutTestCase):
    def test_unknown_name(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: end(top) + nonsense}")
        self.assertRejected("30-layout.yaml", "offset: end(top) + nonsense",
                            "region 'table'", "unknown name 'nonsense'")

    def test_cycle(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: end(blocks)}")
        self.assertRejected("30-layout.yaml", "offset: end(blocks)}", "region 'table'",
                            "end(blocks)", "cycle")

    def test_self_reference(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: offset(table)}")
        self.assertRejected("30-layout.yaml", "offset: offset(table)}", "cycle")

    def test_unknown_region(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: end(nowhere)}")
        self.assertRejected("30-layout.yaml", "end(nowhere)", "unknown region 'nowhere'")

    def test_unknown_struct_in_size(self):
        self.fx.edit("30-layout.yaml", "npools * size(pool_head)", "npools * size(nope)")
        self.assertRejected("30-layout.yaml", "name: pool_table", "size() of unknown struct 'nope'")

    def test_not_an_expression(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: \"end(top) +\"}")
        self.assertRejected("30-layout.yaml", "end(top) +", "is not an expression")

    def test_disallowed_syntax(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: \"__import__('os')\"}")
        self.assertRejected("30-layout.yaml", "__import__", "only integers")

    def test_huge_integer(self):
        self.fx.edit("30-layout.yaml", "offset: end(top)}", "offset: 18446744073709551616}")
        self.assertRejected("30-layout.yaml", "18446744073709551616",
                            "'offset' must be at most 18446744073709551615")

    def test_unknown_error_code(self):
        self.fx.edit("30-layout.yaml", "error: E_BLOCK}", "error: E_NOPE}")
        self.assertRejected("30-layout.yaml", "error: E_NOPE", "unknown error code 'E_NOPE'")

    def test_param_field_not_in_header(self):
        self.fx.edit("30-layout.yaml", "field: head.entries", "field: entry.block_at")
        self.assertRejected("30-layout.yaml", "field: entry.block_at",
                            "must be in the header struct 'head'")

    def test_param_type_differs(self):
        self.fx.edit("30-layout.yaml", "{name: entries, type: u32", "{name: entries, type: u64")
        self.assertRejected("30-layout.yaml", "{name: entries, type: u64",
                            "type u64 differs from field 'head.entries' type u32")

    def test_stored_field_must_be_u64(self):
        self.fx.edit("30-layout.yaml", "stored: head.pools_at", "stored: head.entries")
        self.assertRejected("30-layout.yaml", "name: pool_table",
                            "stored field 'head.entries' must be a plain u64")

    def test_each_region_must_be_last(self):
        self.fx.edit("30-layout.yaml", "  total_size: end(pool_areas)",
                     "    - {name: tail, doc: After., struct: entry, offset: end(pool_areas)}\n"
                     "  total_size: end(tail)")
        self.assertRejected("30-layout.yaml", "name: pool_areas", "must be the last one")

    def test_struct_and_parts(self):
        self.fx.edit("30-layout.yaml", "      count: entries\n      offset: align_up",
                     "      struct: entry\n      count: entries\n      offset: align_up")
        self.assertRejected("30-layout.yaml", "name: blocks", "give 'struct' or 'parts', not both")

    def test_init_outside_header(self):
        self.fx.edit("20-items.yaml", "{name: gen, offset: 0, type: u32, writer: any,",
                     "{name: gen, offset: 0, type: u32, writer: any, init: VERSION,")
        self.assertRejected("20-items.yaml", "{name: gen,", "'init' is only for fields of "
                            "the header struct 'head'")

    def test_init_unknown_name(self):
        self.fx.edit("10-header.yaml", "init: total_size, doc: Size.", "init: whatever, doc: Size.")
        self.assertRejected("10-header.yaml", "init: whatever", "unknown name 'whatever'")

    def test_init_narrow_field_from_layout(self):
        self.fx.edit("10-header.yaml", "init: VERSION, doc: VERSION.", "init: total_size, doc: VERSION.")
        self.assertRejected("10-header.yaml", "init: total_size, doc: VERSION.",
                            "a u32 field can only be initialised from constants")

    def test_two_published_fields(self):
        self.fx.edit("10-header.yaml", "init: VERSION, doc", "init: VERSION, publish: true, doc")
        self.assertRejected("10-header.yaml", "init: VERSION, publish", "only one field may be "
                            "published last")

    def test_example_missing_param(self):
        self.fx.edit("30-layout.yaml", "params: {entries: 3, block_size: 64}", "params: {entries: 3}")
        self.assertRejected("30-layout.yaml", "  example:", "no value for param 'block_size'")

    def test_example_region_too_small(self):
        self.fx.edit("30-layout.yaml", "size: align_up(npools * size(pool_head), ALIGN)", "size: 8")
        self.assertRejected("30-layout.yaml", "  example:", "region 'pool_table': size 8 is "
                            "smaller than its 2 item(s), 32 bytes")

    def test_example_breaks_a_check(self):
        self.fx.edit("30-layout.yaml", "params: {entries: 3, block_size: 64}",
                     "params: {entries: 3, block_size: 65}")
        self.assertRejected("30-layout.yaml", "  example:", "fails check 'block_size % ALIGN == 0'")

    def test_error_placeholder_unknown(self):
        self.fx.edit("30-layout.yaml", "message: \"more than {MAX_ENTRIES} entries\"",
                     "message: \"more than {NOPE} entries\"")
        self.assertRejected("30-layout.yaml", "{NOPE}", "quotes '{NOPE}'")

    def test_duplicate_error_value(self):
        self.fx.edit("30-layout.yaml", "{name: E_NO_POOLS, value: 3,", "{name: E_NO_POOLS, value: 2,")
        self.assertRejected("30-layout.yaml", "{name: E_NO_POOLS", "duplicate error value '2'")


def _c_program(schema):
    """C that lays out the schema's example with the generated code, writes
    the header, reads the layout back from it, and prints every figure."""
    lay = schema.layout
    ex = lay.example
    lines = ["#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>",
             '#include "roam_shm_layout.h"', "", "int main(void)", "{"]
    for li in lay.lists:
        items = ex.get(li.name, [])
        body = ", ".join("{" + ", ".join(f".{p.name} = {it[p.name]}u" for p in li.params) + "}"
                         for it in items)
        lines.append(f"    static const roam_{li.type}_t {li.name}[] = {{{body}}};")
    fields = [f"    cfg.{p.name} = {ex[p.name]}u;" for p in lay.params]
    for li in lay.lists:
        fields.append(f"    cfg.{li.count} = {len(ex.get(li.name, []))}u;")
        fields.append(f"    cfg.{li.name} = {li.name};")
    hdr = f"roam_{lay.header}"
    lines += ["    static roam_segment_config_t cfg;", "    static roam_layout_t l, back;",
              f"    static {hdr}_t h;", f"    {hdr}_plain_t snap;", *fields,
              "    if (roam_layout_compute(&cfg, &l) != 0) { puts(\"compute failed\"); return 1; }"]
    for r in lay.regions:
        lines.append(f'    printf("{r.name} %llu %llu\\n", (unsigned long long)l.{r.name}_offset, '
                     f"(unsigned long long)l.{r.name}_size);")
        if r.each:
            for p in r.parts:
                lines.append(f"    for (unsigned i = 0; i < l.{r.name}_count; i++) "
                             f'printf("{r.name}.%u.{p.name} %llu %llu\\n", i, '
                             f"(unsigned long long)l.{r.name}[i].{p.name}_offset, "
                             f"(unsigned long long)l.{r.name}[i].{p.name}_size);")
        else:
            lines.append(f'    printf("{r.name}.stride %llu\\n", (unsigned long long)l.{r.name}_stride);')
    lines.append('    printf("total %llu\\n", (unsigned long long)l.total_size);')
    # Round trip: the header the layout writes gives the same layout back.
    lines += [f"    {hdr}_init(&h, &cfg, &l);",
              "    memcpy(&snap, &h, sizeof snap);",
              "    if (!roam_layout_from_header(&snap, &back)) { puts(\"from_header failed\"); return 1; }"]
    for r in lay.regions:
        lines.append(f"    if (back.{r.name}_offset != l.{r.name}_offset) "
                     f'{{ puts("{r.name} differs after the round trip"); return 1; }}')
    lines += ['    puts("round trip ok");', "    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _expected(schema):
    out = []
    for x in schema.layout.result["regions"]:
        r = x["region"]
        out.append(f"{r.name} {x['offset']} {x['size']}")
        if r.each:
            for p in r.parts:
                for i, item in enumerate(x["items"]):
                    part = next(t for t in item if t[0] is p)
                    out.append(f"{r.name}.{i}.{p.name} {part[1]} {part[2]}")
        else:
            out.append(f"{r.name}.stride {x['stride']}")
    out.append(f"total {schema.layout.result['total_size']}")
    out.append("round trip ok")
    return out


class TestGeneratedC(unittest.TestCase):
    """The generated roam_layout_compute() agrees with the generator's own
    evaluation of the example, and a header it initialises reads back."""

    def agree(self, schema_dir):
        schema = gen.load_schema(schema_dir)
        with tempfile.TemporaryDirectory(prefix="roam-layout-c-") as tmp:
            for rel, text in render.render(schema, ["schema/x.yaml"]).items():
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            src = os.path.join(tmp, "t.c")
            with open(src, "w", encoding="utf-8") as f:
                f.write(_c_program(schema))
            exe = os.path.join(tmp, "t")
            cc = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                                 "-I", tmp, src, "-o", exe], capture_output=True, text=True)
            self.assertEqual(cc.returncode, 0, cc.stderr)
            run = subprocess.run([exe], capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 0, run.stdout)
            self.assertEqual(run.stdout.splitlines(), _expected(schema))

    def test_fixture(self):
        self.agree(FIXTURE)

    def test_project_schema(self):
        self.agree(os.path.join(ROOT, "schema"))


class TestByteOrder(unittest.TestCase):
    """The header refuses a target of the other byte order."""

    @unittest.skipUnless(shutil.which("clang"), "needs clang for a big-endian target")
    def test_big_endian_target_refused(self):
        schema = gen.load_schema(FIXTURE)
        with tempfile.TemporaryDirectory(prefix="roam-endian-") as tmp:
            path = os.path.join(tmp, "roam_shm_layout.h")
            with open(path, "w", encoding="utf-8") as f:
                f.write(render.render(schema, ["schema/x.yaml"])["roam_shm_layout.h"])
            results = {}
            for target in ("powerpc64-linux-gnu", "aarch64-linux-gnu"):
                r = subprocess.run(["clang", f"--target={target}", "-ffreestanding", "-std=c11",
                                    "-fsyntax-only", "-x", "c", path],
                                   capture_output=True, text=True)
                results[target] = r
            self.assertNotEqual(results["powerpc64-linux-gnu"].returncode, 0)
            self.assertRegex(results["powerpc64-linux-gnu"].stderr,
                             re.escape("layout is little-endian; this target is not"))
            self.assertEqual(results["aarch64-linux-gnu"].returncode, 0,
                             results["aarch64-linux-gnu"].stderr)


if __name__ == "__main__":
    unittest.main()
