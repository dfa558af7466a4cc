"""Hostile schemas: each is rejected with `file:line`, never a traceback,
within a second, and leaves the output directory as it was. And whatever a
schema or a path holds, the generated C and Markdown stay what they are:
comments stay comments, raw HTML does not pass."""

import os
import shutil
import subprocess
import unittest

from .support import (LAYOUT_FIXTURE, LIB_HEADER, ROOT, GenTestCase, Workspace, gen, line_of,
                      run_main)

from roam_codegen import diagrams, library, loader, reserved  # noqa: E402 (support sets the path)

EXTRA = "70-extra.yaml"
FIELD_FILE = """# extra
structs:
  - name: odd
    doc: x
    size: 8
    align: 4
    fields:
      - {name: "NAME", offset: 0, type: u32, writer: host, doc: x}
      - {name: other, offset: 4, type: u32, writer: host, doc: x}
"""


class HostileYaml(GenTestCase):
    def test_alias_bomb(self):
        lines = ["# extra", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, 12):
            lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join(
                [f"*{chr(96 + i)}"] * 10) + "]")
        self.ws.add_schema(EXTRA, "\n".join(lines) + "\n")
        self.assertRejected(EXTRA, 2, "YAML anchor '&a' is not allowed",
                            "no anchors or aliases")

    def test_alias_without_anchor_of_its_own(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: *list\n")
        self.assertRejected(EXTRA, 2, "YAML alias '*list' is not allowed")

    def test_deep_flow_nesting(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: " + "[" * 100000 + "]" * 100000 + "\n")
        self.assertRejected(EXTRA, 2, f"nested more than {loader.MAX_DEPTH} levels deep")

    def test_deep_block_nesting(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n" + "- " * 20000 + "x\n")
        self.assertRejected(EXTRA, 3, f"nested more than {loader.MAX_DEPTH} levels deep")

    def test_file_too_large(self):
        self.ws.add_schema(EXTRA, "# padding\n" * (loader.MAX_BYTES // 10 + 1))
        self.assertRejected(EXTRA, 0, f"larger than {loader.MAX_BYTES // 1024} KiB")

    def test_too_many_values(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: [" + "0," * 30000 + "0]\n")
        self.assertRejected(EXTRA, 2, f"more than {loader.MAX_NODES} values in one file")

    def test_integer_with_thousands_of_digits(self):
        self.ws.edit_schema("10-header.yaml", "value: 100", "value: 1" + "0" * 5000)
        self.assertRejected("10-header.yaml", self.ws.schema_line("10-header.yaml", "value: 1000"),
                            "integer of 5001 characters")

    def test_foreign_yaml_tag(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: !!python/name:os.system []\n")
        self.assertRejected(EXTRA, 2, "YAML tag", "is not allowed")

    def test_python_object_tag_on_a_scalar(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n  - !!python/object/apply:os.system "
                                  "['true']\n")
        self.assertRejected(EXTRA, 3, "YAML tag", "is not allowed")

    def test_local_tag(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: !mine x\n")
        self.assertRejected(EXTRA, 2, "YAML tag '!mine' is not allowed")

    def test_two_documents(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants: []\n---\nstructs: []\n")
        self.assertRejected(EXTRA, 3, "more than one YAML document")


class HugeNumbers(GenTestCase):
    def test_offset_beyond_any_struct(self):
        self.ws.edit_schema("10-header.yaml", "offset: 4\n", "offset: 99999999999999999999999\n")
        self.assertRejected("10-header.yaml",
                            self.ws.schema_line("10-header.yaml", "offset: 9999"),
                            "'offset' must be at most 65535, not 99999999999999999999999")

    def test_struct_size_beyond_the_limit(self):
        self.ws.edit_schema("10-header.yaml", "size: 64", "size: 18446744073709551616")
        self.assertRejected("10-header.yaml",
                            self.ws.schema_line("10-header.yaml", "size: 1844"),
                            "struct 'demo_header'", "'size' must be at most 65536")

    def test_array_of_a_billion_elements(self):
        self.ws.edit_schema("10-header.yaml", "type: u8[24]", "type: u8[1000000000]")
        self.assertRejected("10-header.yaml",
                            self.ws.schema_line("10-header.yaml", "u8[1000000000]"),
                            "'type' must be a field type")

    def test_value_beyond_u64(self):
        self.ws.edit_schema("10-header.yaml", "value: 100", "value: 18446744073709551616")
        self.assertRejected("10-header.yaml",
                            self.ws.schema_line("10-header.yaml", "value: 1844"),
                            "'value' must be at most 18446744073709551615")

    def test_squaring_chain(self):
        names = ["S0"] + [f"S{i}" for i in range(1, 40)]
        consts = ["  - {name: S0, type: u64, value: 65536, doc: x}"]
        consts += [f"  - {{name: {n}, type: u64, expr: {p} * {p}, doc: x}}"
                   for p, n in zip(names, names[1:])]
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n" + "\n".join(consts) + "\n")
        # S1 = 2^32, S2 = 2^64 does not fit: reported there, once.
        self.assertRejected(EXTRA, 5, "constant 'S2'", "0x100000000 * 0x100000000 leaves "
                            "the 64-bit range")

    def test_huge_shift(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n"
                                  "  - {name: WIDE, type: u64, expr: 1 << 64 << 64, doc: x}\n")
        self.assertRejected(EXTRA, 3, "constant 'WIDE'", "1 << 64 leaves the 64-bit range")

    def test_shift_by_more_than_64(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n"
                                  "  - {name: WIDE, type: u64, expr: 1 << 65, doc: x}\n")
        self.assertRejected(EXTRA, 3, "constant 'WIDE'", "shift by 65 (must be 0..64)")

    def test_integer_literal_of_more_than_64_bits_in_an_expr(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n  - {name: WIDE, type: u64, "
                                  "expr: 340282366920938463463374607431768211456 // 2, "
                                  "doc: x}\n")
        self.assertRejected(EXTRA, 3, "constant 'WIDE'",
                            "340282366920938463463374607431768211456 does not fit in 64 bits")

    def test_long_chain_of_constants(self):
        consts = ["  - {name: C0, type: u32, value: 1, doc: x}"]
        consts += [f"  - {{name: C{i}, type: u32, expr: C{i - 1} + 1, doc: x}}"
                   for i in range(1, 400)]
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n" + "\n".join(reversed(consts)) + "\n")
        self.assertRejected(EXTRA, None, "depend on each other more than 64 deep",
                            errors=None)

    def test_expression_too_long(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n  - {name: LONG, type: u32, expr: "
                                  + "+".join(["1"] * 200) + ", doc: x}\n")
        self.assertRejected(EXTRA, 3, "constant 'LONG'",
                            "'expr' must be at most 256 characters long, not 399")

    def assertRejected(self, file, line, *phrases, **kw):
        if line is not None:
            return super().assertRejected(file, line, *phrases, **kw)
        # Any line of `file`: find it from the report itself.
        r = self.run_gen()
        first = r.stderr.splitlines()[0] if r.stderr else ""
        self.assertTrue(first.startswith(f"schema/{file}:"), r.stderr)
        return super().assertRejected(file, int(first.split(":")[1]), *phrases, **kw)


class ReservedNames(GenTestCase):
    """Names the generated C writes as they are (a field is a struct member)
    cannot be a name C or its headers already use."""

    def assertNameRejected(self, name, why):
        self.ws.add_schema(EXTRA, FIELD_FILE.replace("NAME", name))
        self.assertRejected(EXTRA, 8, f"field 'odd.{name}': name '{name}' is {why}",
                            "the generated C cannot use it")

    def names(self, *names):
        for n in names:
            with self.subTest(name=n):
                self.setUp()
                self.assertNameRejected(n, reserved.why(n))

    def test_c_keywords_old_and_new(self):
        self.names("static", "alignas", "alignof", "bool", "true", "false",
                   "static_assert", "thread_local", "typeof", "nullptr")

    def test_standard_library_identifiers(self):
        self.names("errno", "size_t", "uint32_t", "memcpy", "malloc", "atomic_int",
                   "memory_order_acquire", "exit")

    def test_standard_library_macros(self):
        self.names("assert", "offsetof", "stdin", "stdout", "stderr", "noreturn",
                   "kill_dependency", "atomic_load")

    def test_predefined_macros(self):
        self.names("linux", "unix", "i386", "sparc")

    def test_system_header_macros(self):
        self.names("major", "minor", "st_mtime")

    def test_layout_member_named_like_a_macro(self):
        self.setUp()
        self.ws = Workspace(LAYOUT_FIXTURE)
        self.addCleanup(self.ws.close)
        for old, new in (("{name: top,", "{name: errno,"), ("end(top)", "end(errno)")):
            self.ws.edit_schema("30-layout.yaml", old, new)
        self.assertRejected("30-layout.yaml",
                            self.ws.schema_line("30-layout.yaml", "{name: errno,"),
                            "region 'errno': name 'errno' is a name or macro of <errno.h>")

    def test_names_the_header_only_uses_inside_longer_ones_are_free(self):
        # roam_user_slot_state_free, ROAM_EOF, roam_exit_t: one token each,
        # which no macro or library function can meet.
        self.ws.edit_schema("20-users.yaml", "{name: drop,", "{name: free,")
        self.ws.add_schema(EXTRA, FIELD_FILE.replace("odd", "exit").replace("NAME", "value")
                           + "constants:\n  - {name: EOF, type: u32, value: 1, doc: x}\n")
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        header = self.ws.read(os.path.join("generated", "roam_shm_layout.h"))
        for name in ("roam_user_slot_state_free(", "#define ROAM_EOF ", "roam_exit_t;"):
            self.assertIn(name, header)
        cc = shutil.which("cc")
        if cc:
            src = self.ws.path("use.c")
            with open(src, "w") as f:
                f.write("#include <stdio.h>\n#include <stdlib.h>\n"
                        '#include "roam_shm_layout.h"\nint main(void) { return 0; }\n')
            r = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                                "-fsyntax-only", "-I", self.ws.path("generated"), src],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_each_listed_name_would_break_the_header(self):
        # What the list is for: these, as field names, do not compile.
        cc = shutil.which("cc")
        if not cc:
            self.skipTest("no cc: cannot show the names break a struct")
        src = self.ws.path("names.c")
        for name in ("errno", "static_assert", "bool", "linux", "unix"):
            with self.subTest(name=name):
                with open(src, "w") as f:
                    f.write("#include <assert.h>\n#include <errno.h>\n#include <stdbool.h>\n"
                            "#include <stdio.h>\n"
                            f"struct s {{ unsigned {name}; }};\n")
                r = subprocess.run([cc, "-std=gnu11", "-fsyntax-only", src],
                                   capture_output=True, text=True, timeout=60)
                self.assertNotEqual(r.returncode, 0, f"{name} compiled as a member")


class LibraryCollisions(GenTestCase):
    """Against fixtures/lib/demo_lib.h, a stand-in for the library's headers."""

    def lib_line(self, anchor):
        with open(LIB_HEADER, encoding="utf-8") as f:
            return line_of(f.read(), anchor)

    def test_accessor_named_like_a_library_function(self):
        self.ws.add_schema(EXTRA, FIELD_FILE.replace("odd", "msg").replace("NAME", "check"))
        self.assertRejected(EXTRA, 8, "field 'msg.check'",
                            "generated C name 'roam_msg_check' is already declared "
                            "by the library",
                            f"demo_lib.h:{self.lib_line('roam_msg_check(')})")

    def test_struct_named_like_a_library_type(self):
        self.ws.add_schema(EXTRA, FIELD_FILE.replace("odd", "demo").replace("NAME", "fd"))
        self.assertRejected(EXTRA, 3, "struct 'demo'", "generated C name 'roam_demo_t'",
                            f"demo_lib.h:{self.lib_line('} roam_demo_t;')})")

    def test_constant_named_like_a_library_enumerator(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n"
                                  "  - {name: E_DEMO_OK, type: u32, value: 1, doc: x}\n")
        self.assertRejected(EXTRA, 3, "constant 'E_DEMO_OK'",
                            "generated C name 'ROAM_E_DEMO_OK'",
                            f"demo_lib.h:{self.lib_line('ROAM_E_DEMO_OK =')})")

    def test_constant_named_like_a_library_macro(self):
        self.ws.add_schema(EXTRA, "# extra\nconstants:\n"
                                  "  - {name: DEMO_MAX, type: u32, value: 1, doc: x}\n")
        self.assertRejected(EXTRA, 3, "generated C name 'ROAM_DEMO_MAX'",
                            f"demo_lib.h:{self.lib_line('#define ROAM_DEMO_MAX')})")

    def test_names_the_library_only_uses_are_free(self):
        # demo_lib.h uses roam_demo_header_t and roam_demo_header_users,
        # which the fixture itself generates: no collision.
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_the_real_headers_are_read_at_generation_time(self):
        # The two functions a schema once collided with, found in the
        # library's own headers (extern "C" blocks included), not in a copy.
        taken = library.scan(gen.header_paths([os.path.join(ROOT, "include", "*.h"),
                                               os.path.join(ROOT, "src", "*.h"),
                                               os.path.join(ROOT, "src", "cli", "*.h")]))
        for name in ("roam_segment_peer", "roam_frame_check", "roam_segment_t"):
            self.assertIn(name, taken, f"{name} is no longer declared by the library's "
                          "headers: pick another of its names for this test")
        self.assertNotIn("roam_segment_header_t", taken)    # generated, only used


class Escaping(GenTestCase):
    def compiles(self, header_dir):
        for cc in ("cc", "clang"):
            path = shutil.which(cc)
            if not path:
                continue
            src = self.ws.path("use.c")
            with open(src, "w") as f:
                f.write('#include "roam_shm_layout.h"\nint main(void) { return 0; }\n')
            r = subprocess.run([path, "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                                "-fsyntax-only", "-I", header_dir, src],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, f"{cc}:\n{r.stderr}")

    def test_paths_that_would_end_the_banner_comment(self):
        # A schema directory whose name ends in '*' puts "*/" in front of
        # every file name; a file name may hold a newline and "-->".
        evil = self.ws.path("evil*")
        shutil.copytree(self.ws.path("schema"), evil)
        os.rename(os.path.join(evil, "50-messages.yaml"), os.path.join(evil, "50-msg\n-->.yaml"))
        r = run_main(["--schema", "evil*", "--out", "out"], self.ws.root)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        header = self.ws.read(os.path.join("out", "roam_shm_layout.h"))
        banner = header[:header.index("#ifndef")]
        self.assertEqual(banner.count("*/"), 1, banner)
        self.assertIn(" *   evil* /10-header.yaml\n", banner)
        self.assertIn(" *   evil* /50-msg -->.yaml\n", banner)
        first = self.ws.read(os.path.join("out", "docs", "roam_shm_layout.md")).split("\n")[0]
        self.assertTrue(first.startswith("<!-- ") and first.endswith(" -->"), first)
        self.assertEqual(first.count("-->"), 1, first)
        self.compiles(self.ws.path("out"))

    def test_raw_html_in_docs_does_not_pass(self):
        self.ws.edit_schema("10-header.yaml", "doc: Format revision this schema describes.",
                            'doc: "<script>alert(1)</script> & &amp; <!-- x --> a << b"')
        self.ws.edit_schema("10-header.yaml", "Lives at offset 0 of a demo segment.",
                            "Lives at <b onclick=x>offset 0</b> of a demo segment.")
        self.ws.edit_schema("20-users.yaml", "doc: Lifecycle of one user slot.",
                            "doc: <img src=x onerror=alert(1)>")
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        doc = self.ws.read(os.path.join("generated", "docs", "roam_shm_layout.md"))
        for raw in ("<script", "</script", "<b ", "</b>", "<img", "<!-- x"):
            self.assertNotIn(raw, doc)
        self.assertIn("&lt;script>alert(1)&lt;/script> & &amp;amp; &lt;!-- x --> a << b",
                      doc)
        self.assertIn("Lives at &lt;b onclick=x>offset 0&lt;/b> of", doc)
        self.assertIn("\n&lt;img src=x onerror=alert(1)>\n", doc)
        self.compiles(self.ws.path("generated"))

    def test_control_characters_in_docs(self):
        self.ws.edit_schema("10-header.yaml", "doc: Format revision this schema describes.",
                            'doc: "nul\\0 escape\\e bell\\a cr\\r end */ x"')
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        header = self.ws.read(os.path.join("generated", "roam_shm_layout.h"))
        self.assertTrue("\n/* nul  escape  bell  cr  end * / x */\n#define ROAM_REVISION 1u\n"
                        in header, "the doc's control characters reached the header")
        self.compiles(self.ws.path("generated"))

    def test_newline_in_a_name_stays_on_one_error_line(self):
        self.ws.edit_schema("10-header.yaml", "name: revision", 'name: "rev\\nision"')
        err = self.assertRejected("10-header.yaml",
                                  self.ws.schema_line("10-header.yaml", 'name: "rev'),
                                  "'name' must be a lower_snake_case name",
                                  "the string 'rev\\nision'")
        self.assertEqual(len(err.splitlines()), 1)


class InternalError(GenTestCase):
    def test_unexpected_exception_is_one_line_and_writes_nothing(self):
        # A fault inside the generator's own code (here, a drawing row of
        # width 0): a file:line message, exit 1, no traceback, no output.
        self.ws.edit_schema("10-header.yaml", "value: 100", "value: 101")
        before = self.ws.generated()
        old = diagrams.ROW
        diagrams.ROW = 0
        try:
            r = self.run_gen()
        finally:
            diagrams.ROW = old
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertRegex(r.stderr, r"^codegen/roam_codegen/diagrams\.py:\d+: internal error: "
                                   r"ZeroDivisionError: integer division or modulo by zero "
                                   r"\(a fault of the generator, not of the schema; nothing "
                                   r"was written\)\n$")
        self.assertEqual(self.ws.generated(), before)
        self.assertLess(r.seconds, 1.0)


if __name__ == "__main__":
    unittest.main()
