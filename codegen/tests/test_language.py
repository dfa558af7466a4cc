"""The schema language as data: codegen/schema-language.json is a valid
JSON Schema that describes every key, every schema file follows it and says
so in its modeline, unknown keys are refused by it and by the generator, and
extending it is all the generator needs to accept a new key."""

import copy
import glob
import os
import tempfile
import unittest

from .support import (FIXTURE, HEADER, LAYOUT_FIXTURE, LIB_HEADER, ROOT, GenTestCase,
                      baseline, line_of)

import jsonschema  # noqa: E402
from roam_codegen import language, library, loader, render  # noqa: E402

MODELINE = "# yaml-language-server: $schema="


def subschemas(node, path="#"):
    """(path, schema) of every schema object inside the JSON Schema."""
    if not isinstance(node, dict):
        return
    yield path, node
    for key in ("properties", "$defs"):
        for name, sub in node.get(key, {}).items():
            yield from subschemas(sub, f"{path}/{key}/{name}")
    for key in ("items",):
        if isinstance(node.get(key), dict):
            yield from subschemas(node[key], f"{path}/{key}")
    for key in ("anyOf", "oneOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from subschemas(sub, f"{path}/{key}/{i}")


class TheJsonSchema(unittest.TestCase):
    def test_is_a_valid_draft_2020_12_schema(self):
        doc = language.document()
        self.assertEqual(doc["$schema"], "https://json-schema.org/draft/2020-12/schema")
        jsonschema.Draft202012Validator.check_schema(doc)

    def test_every_key_and_definition_has_a_description(self):
        doc = language.document()
        for obj, schema in language.object_definitions():
            for key, sub in schema["properties"].items():
                with self.subTest(object=obj, key=key):
                    self.assertTrue(sub.get("description", "").strip(),
                                    f"{obj}.{key} has no description")
        for name, sub in doc["$defs"].items():
            with self.subTest(definition=name):
                self.assertTrue(sub.get("description", "").strip())
        for name, sub in subschemas(doc):
            if "enumDescriptions" in sub:
                self.assertEqual(len(sub["enumDescriptions"]), len(sub["enum"]), name)

    def test_every_object_refuses_unknown_keys(self):
        for path, sub in subschemas(language.document()):
            if sub.get("type") == "object":
                with self.subTest(path=path):
                    self.assertIs(sub.get("additionalProperties"), False)
                    self.assertIn("title", sub)

    def test_checks_take_their_allowed_values_from_it(self):
        from roam_codegen import checks

        self.assertEqual(list(checks.WRITERS), language.allowed("field", "writer"))
        self.assertEqual(checks.RMW_OPS, set(language.allowed("rmw", "op")))
        self.assertEqual(checks.LOAD_ORDERS, set(language.allowed("atomic", "load")))


class SchemaFiles(unittest.TestCase):
    def files(self, folder):
        found = sorted(glob.glob(os.path.join(folder, "*.yaml")))
        self.assertTrue(found, f"no schema files in {folder}")
        return found

    def assertValid(self, path):
        tree = loader.load(path)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in language.iter_errors(tree)]
        self.assertEqual(errors, [], path)

    def assertModeline(self, path):
        with open(path, encoding="utf-8") as f:
            first = f.readline().rstrip("\n")
        self.assertTrue(first.startswith(MODELINE), f"{path}: first line is {first!r}")
        target = os.path.normpath(os.path.join(os.path.dirname(path),
                                               first[len(MODELINE):]))
        self.assertEqual(target, language.PATH, f"{path}: modeline points elsewhere")

    def test_every_schema_file_validates_and_names_the_language(self):
        # Structure only: the tests never depend on what schema/ describes.
        for path in self.files(os.path.join(ROOT, "schema")):
            with self.subTest(path=os.path.basename(path)):
                self.assertModeline(path)
                self.assertValid(path)

    def test_every_fixture_file_validates(self):
        fixtures = os.path.dirname(FIXTURE)
        for folder in sorted(os.listdir(fixtures)):
            if not glob.glob(os.path.join(fixtures, folder, "*.yaml")):
                continue
            for path in self.files(os.path.join(fixtures, folder)):
                with self.subTest(path=os.path.join(folder, os.path.basename(path))):
                    self.assertValid(path)

    def test_the_generator_tests_own_fixtures_name_the_language(self):
        for path in self.files(FIXTURE) + self.files(LAYOUT_FIXTURE):
            with self.subTest(path=os.path.basename(path)):
                self.assertModeline(path)


class UnknownKey(GenTestCase):
    TEXT = "colour: red\n"

    def test_refused_by_the_json_schema_and_by_the_generator(self):
        self.ws.edit_schema("30-ring.yaml", "        writer: host-init\n",
                            "        writer: host-init\n        " + self.TEXT,
                            after="name: room")
        path = self.ws.schema_file("30-ring.yaml")
        # The JSON Schema alone, as an editor applies it:
        errors = list(language.iter_errors(loader.load(path)))
        self.assertEqual([(e.validator, list(e.absolute_path)) for e in errors],
                         [("additionalProperties", ["structs", 0, "fields", 2])])
        self.assertIn("'colour' was unexpected", errors[0].message)
        # The generator, with the line:
        line = line_of(self.ws.schema_text("30-ring.yaml"), "colour: red")
        self.assertRejected("30-ring.yaml", line, "struct 'ring_header' field 'room'",
                            "unknown key 'colour'")


class ExtendingTheLanguage(GenTestCase):
    """A new key needs its description in the JSON Schema, nothing else, for
    the generator to accept it (reading it into the model is what gives it a
    meaning)."""

    def setUp(self):
        super().setUp()
        saved = (language._document, language._validator)
        self.addCleanup(lambda: (setattr(language, "_document", saved[0]),
                                 setattr(language, "_validator", saved[1])))

    def test_a_key_added_to_the_json_schema_is_accepted(self):
        self.ws.edit_schema("30-ring.yaml", "        writer: host-init\n",
                            "        writer: host-init\n        unit: bytes\n",
                            after="name: room")
        r = self.run_gen()
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown key 'unit'", r.stderr)

        doc = copy.deepcopy(language.document())
        doc["$defs"]["field"]["properties"]["unit"] = {
            "description": "What the field counts.", "enum": ["bytes", "slots"]}
        language._document, language._validator = doc, None
        r = self.run_gen()
        self.assertEqual((r.returncode, r.stderr), (0, ""))

        self.ws.edit_schema("30-ring.yaml", "unit: bytes", "unit: apples")
        self.assertRejected("30-ring.yaml", line_of(self.ws.schema_text("30-ring.yaml"),
                                                    "unit: apples"),
                            "unknown unit 'apples' (one of: bytes, slots)")


class Loader(unittest.TestCase):
    SAMPLE = """# a comment
top:
  - {name: a, list: [1, 2,
      3], text: "two
      lines"}
  - name: b
    folded: >-
      one
      two

    literal: |
      x
      y
    empty:
  - [x, {y: 1}]
last: 0x10
"""

    def lines(self, t):
        if isinstance(t, loader.Map):
            return ("map", t.line, {k: (t.key_lines[k], self.lines(v)) for k, v in t.items()})
        if isinstance(t, loader.Seq):
            return ("seq", t.line, [(ln, self.lines(v)) for ln, v in zip(t.item_lines, t)])
        return t

    def test_c_and_python_parsers_give_the_same_lines(self):
        if not loader.c_loader_available():
            self.skipTest("PyYAML has no libyaml here: only the pure-Python parser runs")
        paths = sorted(glob.glob(os.path.join(FIXTURE, "*.yaml")))
        with tempfile.TemporaryDirectory() as tmp:
            sample = os.path.join(tmp, "sample.yaml")
            with open(sample, "w") as f:
                f.write(self.SAMPLE)
            for path in paths + [sample]:
                with self.subTest(path=os.path.basename(path)):
                    fast, slow = loader.load(path), loader.load(path, pure=True)
                    self.assertEqual(self.lines(fast), self.lines(slow))
        tree = loader.parse("sample", self.SAMPLE.encode())
        self.assertEqual(tree.key_lines, {"top": 2, "last": 16})
        self.assertEqual(tree["top"].item_lines, [3, 6, 15])
        self.assertEqual(tree["top"][1].key_lines,
                         {"name": 6, "folded": 7, "literal": 11, "empty": 14})
        self.assertEqual(tree["last"], 16)

    def test_the_c_parser_is_the_one_used(self):
        if not loader.c_loader_available():
            self.skipTest("PyYAML has no libyaml here")
        import yaml
        seen = []
        real = yaml.parse

        def spy(stream, Loader):
            seen.append(Loader)
            return real(stream, Loader=Loader)
        yaml.parse = spy
        try:
            loader.parse("x", b"a: 1\n")
        finally:
            yaml.parse = real
        self.assertEqual(seen, [yaml.CSafeLoader])


class Cached(GenTestCase):
    """--cache: what depends only on bytes seen before is not worked out
    again, and nothing faulty is ever remembered."""

    def setUp(self):
        super().setUp()
        self.parsed, self.scanned = [], []
        real_parse, real_declared = loader.parse, library.declared
        loader.parse = lambda path, data, pure=False: (
            self.parsed.append(os.path.basename(path)) or real_parse(path, data, pure))
        library.declared = lambda path, text: (
            self.scanned.append(os.path.basename(path)) or real_declared(path, text))
        self.addCleanup(setattr, loader, "parse", real_parse)
        self.addCleanup(setattr, library, "declared", real_declared)

    def run_cached(self):
        self.parsed.clear()
        self.scanned.clear()
        return self.run_gen("--cache", self.ws.path("cache"))

    def test_unchanged_files_are_not_parsed_again(self):
        names = sorted(os.listdir(self.ws.path("schema")))
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual((self.parsed, self.scanned), (names, ["demo_lib.h"]))
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual((self.parsed, self.scanned), ([], []))
        self.ws.edit_schema("30-ring.yaml", "size: 128", "size: 128  # same")
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual(self.parsed, ["30-ring.yaml"])

    def test_a_faulty_file_is_checked_every_time(self):
        self.ws.edit_schema("30-ring.yaml", "    size: 128\n", "    size: 128\n    x: 1\n")
        for _ in range(2):
            r = self.run_cached()
            self.assertEqual(r.returncode, 1)
            self.assertIn("unknown key 'x'", r.stderr)
            self.assertIn("30-ring.yaml", self.parsed)

    def test_the_cached_run_gives_the_same_bytes_and_errors(self):
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual(self.run_cached().returncode, 0)
        from .support import baseline
        self.assertEqual(self.ws.generated(), baseline())
        # Checks that follow the structural one still run on cached trees.
        self.ws.add_schema("70-extra.yaml", "# extra\nconstants:\n"
                                           "  - {name: REVISION, type: u32, value: 2, doc: x}\n")
        for _ in range(2):
            r = self.run_cached()
            self.assertEqual(r.returncode, 1)
            self.assertIn("duplicate constant 'REVISION'", r.stderr)

    def count_renders(self):
        calls = []
        real = render.render
        render.render = lambda *a, **k: calls.append(1) or real(*a, **k)
        self.addCleanup(setattr, render, "render", real)
        return calls

    def test_a_run_with_nothing_new_does_nothing(self):
        renders = self.count_renders()
        self.ws.write("README.md", "# x\n")
        args = ("--readme", "README.md")
        self.assertEqual(self.run_gen("--cache", self.ws.path("cache"), *args).returncode, 1)
        self.assertEqual(self.run_cached().returncode, 0)        # no README: nothing kept
        self.assertEqual(len(renders), 1)
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual(self.run_gen("--check", "--cache", self.ws.path("cache")).returncode, 0)
        self.assertEqual((len(renders), self.parsed), (1, []))   # neither parsed nor rendered
        # An output changed by hand: --check sees it, a run rewrites it.
        self.ws.edit(HEADER, "#define ROAM_MAX_USERS 100u", "#define ROAM_MAX_USERS 101u")
        r = self.run_gen("--check", "--cache", self.ws.path("cache"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("roam_shm_layout.h: differs", r.stderr)
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual(self.ws.generated(), baseline())
        self.assertEqual(len(renders), 3)
        # Any input changed, even a comment: the whole run again.
        self.ws.edit_schema("30-ring.yaml", "# A ring header", "# The ring header")
        self.assertEqual(self.run_cached().returncode, 0)
        self.assertEqual((len(renders), self.parsed), (4, ["30-ring.yaml"]))
        # A header of the library is an input too.
        with open(LIB_HEADER, encoding="utf-8") as f:
            self.ws.write("lib.h", f.read())
        headers = (self.ws.path("lib.h"),)
        for _ in range(2):
            self.run_gen("--cache", self.ws.path("cache"), headers=headers)
        self.assertEqual(len(renders), 5)
        self.ws.write("lib.h", self.ws.read("lib.h") + "\nint roam_other(void);\n")
        self.run_gen("--cache", self.ws.path("cache"), headers=headers)
        self.assertEqual(len(renders), 6)

    def test_a_failed_run_is_not_remembered(self):
        renders = self.count_renders()
        self.ws.edit_schema("30-ring.yaml", "align: 64", "align: 12")
        for _ in range(2):
            r = self.run_cached()
            self.assertEqual(r.returncode, 1)
            self.assertIn("align 12 is not a power of two", r.stderr)
        self.assertEqual(len(renders), 0)

    def test_a_cache_that_cannot_be_written_only_costs_time(self):
        with open(self.ws.path("cache"), "w") as f:
            f.write("a file where the cache directory should be\n")
        r = self.run_cached()
        self.assertEqual((r.returncode, r.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
