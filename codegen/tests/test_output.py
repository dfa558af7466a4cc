"""What the generator writes, on the tests' own fixture schema: the same
bytes every time, only the files that change, --check tells stale output
apart, a schema change changes just its lines, the header compiles, and the
doc's values and drawings are right."""

import difflib
import os
import re
import shutil
import subprocess
import sys
import unittest

from .support import DOC, GEN, HEADER, GenTestCase, baseline

CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only"]

# Every feature of the schema language, to make the header use every branch
# of its template: u8/u16/u64 scalars, arrays, enums and flags of each width,
# cas with and without from/to, fetch ops, seq_cst, numeric defaults, docs
# that would end a C comment.
FEATURES = """# extra
enums:
  - name: mode
    type: u8
    doc: A one-byte enum.
    values:
      - {name: IDLE, value: 0, doc: Idle.}
      - {name: BUSY, value: 255, doc: "On */ closed /* opened."}
flags:
  - name: wide_flags
    type: u32
    doc: Bits up to 31.
    bits:
      - {name: LOW, bit: 0, doc: Low.}
      - {name: TOP, bit: 31, doc: Top.}
      - {name: MID, bit: 16, doc: Mid.}
    exclusive:
      - [LOW, TOP, MID]
  - name: half_flags
    type: u16
    doc: Bits up to 15.
    bits:
      - {name: HIGH, bit: 15, doc: High.}
constants:
  - {name: BIG, type: u64, value: 0xFFFFFFFFFFFFFFFF, doc: Largest u64.}
  - {name: QUOTED, type: "u8[4]", value: "a?\\"\\\\", doc: "Bytes that need escapes."}
  - {name: FEATURE_SIZE, type: u16, expr: "(size(feature) << 1) // 2 | 0", doc: x}
structs:
  - name: feature
    doc: "Uses everything; this doc says */ and /* on purpose."
    size: 64
    align: 64
    fields:
      - {name: counter, offset: 0, type: u64, writer: any, doc: "Counter */.",
         atomic: {load: seq_cst, store: seq_cst, rmw: [
           {name: add, op: fetch_add, order: relaxed, doc: Add.},
           {name: sub, op: fetch_sub, order: release, doc: Sub.},
           {name: set_bits, op: fetch_or, order: acq_rel, doc: Or.},
           {name: clear_bits, op: fetch_and, order: seq_cst, doc: And.},
           {name: swap, op: exchange, order: acquire, doc: Exchange.},
           {name: replace, op: cas, success: seq_cst, failure: seq_cst, doc: Cas.}]}}
      - {name: bits, offset: 8, type: u32, writer: host, flags: wide_flags, doc: Bits.}
      - {name: half, offset: 12, type: u16, writer: guest, flags: half_flags, doc: Half.}
      - {name: mode, offset: 14, type: u8, writer: producer, enum: mode, doc: Mode.}
      - {name: level, offset: 15, type: u8, writer: consumer, default: 7, doc: Level.}
      - {name: limit, offset: 16, type: u64, writer: host-init, default: 4096, doc: Limit.}
      - {name: name, offset: 24, type: "u8[8]", writer: host-init, doc: Name.}
      - {name: words, offset: 32, type: "u16[4]", writer: host-init, doc: Words.}
      - {name: pad, offset: 40, type: "u8[24]", reserved: true, writer: none, doc: Zero.}
"""

CHECK_C = """\
#include "roam_shm_layout.h"

_Static_assert(ROAM_BLOCK_MSG_SIZE == 20, "block message");
_Static_assert(ROAM_FILE_MSG_SIZE == 32, "file message");
_Static_assert(ROAM_HEADER_SIZE == sizeof(roam_demo_header_t), "header");
_Static_assert(sizeof ROAM_TAG - 1 == ROAM_TAG_SIZE, "tag");

int roam_codegen_test_use(roam_demo_header_t *h, roam_user_slot_t *e);
int roam_codegen_test_use(roam_demo_header_t *h, roam_user_slot_t *e)
{
    uint32_t found;
    size_t n;
    roam_demo_header_set_users(h, 4);
    roam_demo_header_store_closed(h, 1);
    return (int)roam_demo_header_effective_batch(h)
        + (int)roam_user_slot_state_join(e, &found)
        + (int)roam_demo_header_fields(&n)[0].size
        + (roam_user_state_name(found) != NULL);
}
"""


def compilers():
    """(name, path) of cc, and of clang when it is installed."""
    out = []
    for name in ("cc", "clang"):
        path = shutil.which(name)
        if path:
            out.append((name, path))
    return out


class Regenerate(GenTestCase):
    def test_unchanged_schema_gives_the_same_bytes(self):
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertEqual(self.ws.generated(), baseline())

    def test_into_an_empty_directory_only_the_two_files(self):
        shutil.rmtree(self.ws.path("generated"))
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.ws.generated()
        self.assertEqual(sorted(out), sorted([os.path.join("docs", "roam_shm_layout.md"),
                                              "roam_shm_layout.h"]))
        self.assertEqual(out, baseline())

    def test_files_name_their_sources(self):
        names = sorted(n for n in os.listdir(self.ws.path("schema")) if n.endswith(".yaml"))
        header = self.ws.read(HEADER)
        for n in names:
            self.assertIn(f" *   schema/{n}\n", header)
        self.assertIn(", ".join(f"schema/{n}" for n in names), self.ws.read(DOC))

    def mtimes(self):
        return {rel: os.stat(self.ws.path(rel)).st_mtime_ns for rel in (HEADER, DOC)}

    def age_outputs(self):
        for rel in (HEADER, DOC):
            os.utime(self.ws.path(rel), ns=(10**18, 10**18))

    def test_unchanged_outputs_are_not_written(self):
        self.age_outputs()
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.mtimes(), {HEADER: 10**18, DOC: 10**18})
        self.assertEqual(self.ws.generated(), baseline())     # and no temporaries left

    def test_only_the_output_that_changes_is_written(self):
        self.age_outputs()
        # A constant's expr shows only in the reference doc (the header has
        # its value, which stays the same).
        self.ws.edit_schema("30-ring.yaml", "expr: size(ring_header)",
                            "expr: size(ring_header) + 0")
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        after = self.mtimes()
        self.assertEqual(after[HEADER], 10**18)
        self.assertNotEqual(after[DOC], 10**18)
        self.assertIn("(`size(ring_header) + 0`)", self.ws.read(DOC))


class Deterministic(GenTestCase):
    def test_two_runs_give_the_same_bytes(self):
        shutil.rmtree(self.ws.path("generated"))
        self.assertEqual(self.run_gen().returncode, 0)
        first = self.ws.generated()
        shutil.rmtree(self.ws.path("generated"))
        self.assertEqual(self.run_gen().returncode, 0)
        self.assertEqual(self.ws.generated(), first)

    def test_processes_with_other_hash_seeds_give_the_same_bytes(self):
        # The command line as make runs it, in separate interpreters whose
        # dict and set orders differ.
        outs = []
        for seed in ("1", "2"):
            shutil.rmtree(self.ws.path("generated"))
            env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONDONTWRITEBYTECODE="1")
            r = subprocess.run([sys.executable, GEN, "--schema", "schema",
                                "--out", "generated"],
                               cwd=self.ws.root, env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
            outs.append(self.ws.generated())
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0], baseline())


class Check(GenTestCase):
    def test_up_to_date_output(self):
        r = self.run_gen("--check")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def assertStale(self, *paths):
        before = self.ws.generated()
        r = self.run_gen("--check")
        self.assertEqual(r.returncode, 1, r.stderr)
        named = sorted(ln.split(":", 1)[0] for ln in r.stderr.splitlines())
        self.assertEqual(named, sorted(paths), r.stderr)
        self.assertIn("differs from what schema/ generates", r.stderr)
        self.assertEqual(self.ws.generated(), before, "--check wrote to the output")

    def test_header_edited_by_hand(self):
        self.ws.edit(HEADER, "#define ROAM_MAX_USERS 100u", "#define ROAM_MAX_USERS 101u")
        self.assertStale(HEADER)

    def test_doc_edited_by_hand(self):
        self.ws.edit(DOC, "Size 64 bytes", "Size 64  bytes")
        self.assertStale(DOC)

    def test_trailing_newline_removed_by_hand(self):
        self.ws.write(HEADER, self.ws.read(HEADER).rstrip("\n"))
        self.assertStale(HEADER)

    def test_generated_file_missing(self):
        os.remove(self.ws.path(DOC))
        self.assertStale(DOC)

    def test_schema_changed_without_regenerating(self):
        self.ws.edit_schema("10-header.yaml", "value: 100", "value: 99")
        self.assertStale(HEADER, DOC)

    def test_check_of_a_bad_schema_reports_the_schema_error(self):
        self.ws.edit_schema("30-ring.yaml", "align: 64", "align: 12")
        r = self.run_gen("--check")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^schema/30-ring\.yaml:\d+: struct 'ring_header': "
                                   r"align 12 is not a power of two\n$")


class SchemaChange(GenTestCase):
    def changed_lines(self, rel, before):
        """[(old lines, new lines)] of each changed hunk of one output file."""
        old = before[rel].decode().splitlines()
        new = self.ws.generated()[rel].decode().splitlines()
        sm = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        return [(old[i1:i2], new[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes()
                if op != "equal"]

    def regenerate_after(self, file, old, new):
        before = self.ws.generated()
        self.ws.edit_schema(file, old, new)
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        return before

    def test_field_doc_changes_one_line_of_each_file(self):
        old_doc = "Bytes of the segment when it was created."
        new_doc = "Size of the segment in bytes at creation."
        before = self.regenerate_after("10-header.yaml", old_doc, new_doc)
        self.assertEqual(self.changed_lines("roam_shm_layout.h", before),
                         [([f"    /*   8: {old_doc} */"], [f"    /*   8: {new_doc} */"])])
        row = "| 8 | 8 | `length` | u64 | no | host, once at creation | {} |  |"
        self.assertEqual(self.changed_lines(os.path.join("docs", "roam_shm_layout.md"), before),
                         [([row.format(old_doc)], [row.format(new_doc)])])

    def test_constant_value_changes_its_definition_only(self):
        before = self.regenerate_after("10-header.yaml", "value: 32", "value: 64")
        self.assertEqual(self.changed_lines("roam_shm_layout.h", before),
                         [(["#define ROAM_DEFAULT_BATCH 32u",
                            '#define ROAM_DEFAULT_BATCH_STR "32" /* as text, for messages */'],
                           ["#define ROAM_DEFAULT_BATCH 64u",
                            '#define ROAM_DEFAULT_BATCH_STR "64" /* as text, for messages */'])])
        row = ("| `ROAM_DEFAULT_BATCH` | u32 | {} | Batch size used when the header "
               "stores 0. |  |")
        self.assertEqual(self.changed_lines(os.path.join("docs", "roam_shm_layout.md"), before),
                         [([row.format(32)], [row.format(64)])])

    def test_derived_constant_follows_the_struct_size(self):
        self.ws.edit_schema("10-header.yaml", "size: 64", "size: 128")
        self.ws.edit_schema("10-header.yaml", "type: u8[24]", "type: u8[88]")
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        header = self.ws.read(HEADER)
        self.assertIn("\n#define ROAM_HEADER_SIZE 128u\n", header)
        self.assertIn('sizeof(roam_demo_header_t) == 128, "demo_header: size"', header)
        self.assertIn(" 48..127  |  ... pad continues", self.ws.read(DOC))


class DerivedConstants(GenTestCase):
    def test_derived_values_in_the_header(self):
        header = self.ws.read(HEADER)
        for name, value in (("BLOCK_MSG_SIZE", 20), ("FILE_MSG_SIZE", 32),
                            ("HEADER_SIZE", 64), ("MSG_HEADER_SIZE", 8),
                            ("USER_SLOT_SIZE", 32), ("RING_HEADER_SIZE", 128),
                            ("POOL_HEADER_SIZE", 16)):
            with self.subTest(name):
                self.assertRegex(header, rf"\n#define ROAM_{name} {value}u\n")

    def test_derived_values_in_the_doc(self):
        doc = self.ws.read(DOC)
        self.assertIn("| `ROAM_BLOCK_MSG_SIZE` | u32 | 20 "
                      "(`MSG_HEADER_SIZE + size(block_ref)`) |", doc)
        self.assertIn("| `ROAM_FILE_MSG_SIZE` | u32 | 32 "
                      "(`MSG_HEADER_SIZE + size(file_ref)`) |", doc)
        self.assertIn("| `ROAM_HEADER_SIZE` | u32 | 64 (`size(demo_header)`) |", doc)

    def test_byte_string_is_escaped(self):
        header = self.ws.read(HEADER)
        self.assertIn('\n#define ROAM_TAG "DMO\\001"\n', header)
        self.assertIn("\n#define ROAM_TAG_SIZE 4u\n", header)
        self.assertIn('| `ROAM_TAG` | u8[4] | `"DMO\\001"` |', self.ws.read(DOC))


class ByteMap(GenTestCase):
    ROW, CELL = 8, 9

    def row(self, base, *cells):
        """One drawn row; a name too long for its cell ends in '~'."""
        def cell(name, size):
            width = size * self.CELL - 1
            return name.ljust(width) if len(name) <= width else name[:width - 1] + "~"
        return f"{base:>8}  |" + "|".join(cell(n, size) for n, size in cells) + "|"

    def folded(self, first, last, name):
        tag = f"{first}..{last}"
        return f"{tag:>8}  |" + f"  ... {name} continues".ljust(self.ROW * self.CELL - 1) + "|"

    def drawing(self, struct):
        doc = self.ws.read(DOC)
        m = re.search(rf'^## <a id="{struct}"></a>Struct `{struct}`\n.*?^```\n(.*?)^```$',
                      doc, re.S | re.M)
        self.assertIsNotNone(m, f"no byte map for {struct}")
        return m.group(1).splitlines()

    def test_demo_header_rows_and_folded_tail(self):
        head = "  offset  " + "".join(f"+{i}".ljust(self.CELL) for i in range(self.ROW))
        self.assertEqual(self.drawing("demo_header"), [
            head.rstrip(),
            self.row(0, ("tag", 4), ("revision", 4)),
            self.row(8, ("length", 8)),
            self.row(16, ("batch", 4), ("users", 4)),
            self.row(24, ("closed", 4), ("spare", 4)),
            self.row(32, ("used", 8)),
            self.row(40, ("pad", 8)),
            self.folded(48, 63, "pad"),
        ])

    def test_ring_header_folds_each_pad(self):
        lines = self.drawing("ring_header")
        self.assertEqual(lines[1:], [
            self.row(0, ("head", 4), ("mark", 4)),
            self.row(8, ("room", 4), ("head_pad", 4)),
            self.folded(16, 63, "head_pad"),
            self.row(64, ("tail", 4), ("tail_pad", 4)),
            self.folded(72, 127, "tail_pad"),
        ])

    def test_small_fields_share_a_row_and_long_names_are_cut(self):
        self.assertEqual(self.drawing("msg_header")[1:], [
            self.row(0, ("len", 4), ("flags", 1), ("pad", 3)),
        ])
        self.ws.add_schema("70-extra.yaml", """# extra
structs:
  - name: narrow
    doc: x
    size: 8
    align: 4
    fields:
      - {name: first_byte, offset: 0, type: u8, writer: host, doc: x}
      - {name: second_byte, offset: 1, type: u8, writer: host, doc: x}
      - {name: rest, offset: 2, type: u16, writer: host, doc: x}
      - {name: word, offset: 4, type: u32, writer: host, doc: x}
""")
        self.assertEqual(self.run_gen().returncode, 0)
        self.assertEqual(self.drawing("narrow")[1:], [
            self.row(0, ("first_byte", 1), ("second_byte", 1), ("rest", 2), ("word", 4)),
        ])


class Compile(GenTestCase):
    def compile(self, cc, source):
        src = self.ws.path("check_layout.c")
        self.ws.write("check_layout.c", source)
        return subprocess.run([cc, *CFLAGS, "-I", self.ws.path("generated"), src],
                              capture_output=True, text=True, timeout=60)

    def assertCompiles(self, cc, source):
        path = shutil.which(cc)
        if not path:
            self.skipTest(f"{cc} not installed: the header is not compiled with {cc}")
        r = self.compile(path, source)
        self.assertEqual(r.returncode, 0, f"{cc} rejects the header:\n{r.stderr}")

    def each_compiler(self, source):
        found = compilers()
        if not found:
            self.skipTest("no C compiler (cc or clang) on PATH: cannot compile the header")
        for name, path in found:
            with self.subTest(compiler=name):
                r = self.compile(path, source)
                self.assertEqual(r.returncode, 0, f"{name} rejects the header:\n{r.stderr}")

    def test_header_compiles_with_cc(self):
        self.assertCompiles("cc", CHECK_C)

    def test_header_compiles_with_clang(self):
        self.assertCompiles("clang", CHECK_C)

    def test_header_of_every_feature_compiles(self):
        self.ws.add_schema("70-features.yaml", FEATURES)
        r = self.run_gen()
        self.assertEqual(r.returncode, 0, r.stderr)
        header = self.ws.read(HEADER)
        # Docs that contain comment delimiters are defused, not cut short.
        self.assertIn("\n#define ROAM_MODE_BUSY 255u /* On * / closed / * opened. */\n", header)
        self.assertIn(" * Uses everything; this doc says * / and / * on purpose.\n", header)
        self.assertIn('\n#define ROAM_QUOTED "a\\077\\042\\134"\n', header)
        self.assertIn("#define ROAM_BIG UINT64_C(0xFFFFFFFFFFFFFFFF)", header)
        self.assertIn("#define ROAM_FEATURE_SIZE 64u", header)
        self.assertIn("| 64 (`(size(feature) << 1) // 2 \\| 0`) |", self.ws.read(DOC))
        self.each_compiler(CHECK_C + """
int roam_codegen_test_features(roam_feature_t *f);
int roam_codegen_test_features(roam_feature_t *f)
{
    uint64_t seen = 0;
    roam_feature_counter_add(f, 1);
    roam_feature_counter_replace(f, &seen, 2);
    return (int)roam_feature_effective_level(f) + (int)roam_feature_effective_limit(f)
        + roam_wide_flags_valid(ROAM_WIDE_FLAGS_TOP) + roam_half_flags_valid(1)
        + roam_mode_is_valid(ROAM_MODE_BUSY) + (int)roam_feature_words(f)[0];
}
""")


if __name__ == "__main__":
    unittest.main()


class Wrap(unittest.TestCase):
    """The doc comments' `wrap` filter fills lines exactly as Jinja2's
    wordwrap does when it does not break at hyphens."""

    def test_agrees_with_jinja2_wordwrap(self):
        import random

        import jinja2
        from jinja2.filters import do_wordwrap
        from roam_codegen.render import _wrap

        env = jinja2.Environment()
        pieces = ["a", "bb", "ccc", "x" * 20, "y" * 80, " ", "  ", "\t", "-", "well-known",
                  "\n", "\r\n", "\x0c", "\xa0", "\u2028", "é"]
        rng = random.Random(7)
        for _ in range(3000):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
            width = rng.choice([1, 2, 5, 10, 20, 74])
            self.assertEqual(_wrap(text, width),
                             do_wordwrap(env, text, width, break_on_hyphens=False),
                             f"{text!r} at width {width}")
