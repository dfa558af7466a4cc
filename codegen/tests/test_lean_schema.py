"""The lean structural check (roam_codegen/lean_schema.py) agrees with
python3-jsonschema, the authority, on every schema file the project and
these tests hold and on thousands of faulty variants of them; and the
generator refuses a language that uses a keyword the lean check does not
implement."""

import copy
import datetime
import glob
import os
import unittest

from .support import FIXTURE, ROOT, GenTestCase

from roam_codegen import language, lean_schema, loader  # noqa: E402

FIXTURES = os.path.dirname(FIXTURE)


def files():
    paths = sorted(glob.glob(os.path.join(ROOT, "schema", "*.yaml")))
    paths += sorted(glob.glob(os.path.join(FIXTURES, "*", "*.yaml")))
    return paths


def enum_values(node, out):
    """The first and last value of every enum of the language."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "enum" and isinstance(v, list):
                out.update((v[0], v[-1]))
            else:
                enum_values(v, out)
    elif isinstance(node, list):
        for v in node:
            enum_values(v, out)
    return out


def replacements(doc):
    """Values a faulty file may hold where another is expected: one of each
    kind YAML gives, at and past the language's bounds, and names the
    language's enums know."""
    values = ["", "x", "abc", "ABC", "a.b", "a.b.c", "Abc", "u8", "u32", "u8[8]", "u8[0]",
              "size(x) + 1", "x" * 65, "x" * 401, "é",
              0, 1, -1, 64, 2 ** 64 - 1, 2 ** 64,
              True, False, None, 1.5, 8.0, float("nan"),
              datetime.date(2024, 1, 2), b"bytes"]
    values += sorted(enum_values(doc, set()))
    values.append(loader.Map(1))
    values.append(loader.Seq(1))
    for items in ([1], ["x"], [[]], [{}], [None]):
        seq = loader.Seq(1)
        seq.extend(items)
        seq.item_lines = [1] * len(items)
        values.append(seq)
    for keys in ({"name": "x"}, {"name": "X", "type": "u8", "doc": "d"}, {"doc": "d"}):
        m = loader.Map(1)
        m.update(keys)
        values.append(m)
    return values


def places(tree, path=()):
    """(path, node) of every value in a tree, the root first."""
    yield path, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from places(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from places(v, path + (i,))


def generic(path):
    """A path with its list indices blurred: the place in the language."""
    return tuple("*" if isinstance(p, int) else p for p in path)


def shrunk(node):
    """`node` with every list in it cut to its first item."""
    if isinstance(node, loader.Map):
        out = loader.Map(node.line)
        out.update((k, shrunk(v)) for k, v in node.items())
        out.key_lines = dict(node.key_lines)
        return out
    if isinstance(node, loader.Seq):
        out = loader.Seq(node.line)
        out.extend(shrunk(v) for v in node[:1])
        out.item_lines = node.item_lines[:1]
        return out
    return node


def narrowed(tree, path):
    """A copy of `tree` holding, of every list on the way to `path`, only the
    item on it, and of every other list its first item (so that one variant
    is cheap to judge), and the path in it."""
    def copy_node(node):
        if isinstance(node, loader.Map):
            out = loader.Map(node.line)
            out.update((k, shrunk(v)) for k, v in node.items())
            out.key_lines = dict(node.key_lines)
            return out
        if isinstance(node, loader.Seq):
            out = loader.Seq(node.line)
            out.extend(node)
            out.item_lines = list(node.item_lines)
            return out
        return node
    root = copy_node(tree)
    node, new_path = root, []
    for step in path:
        if isinstance(node, list):
            child = copy_node(node[step])
            del node[:]
            node.append(child)
            node.item_lines = [1]
            new_path.append(0)
        else:
            child = copy_node(at(tree, path[:len(new_path) + 1]))
            node[step] = child
            new_path.append(step)
        node = child
    return root, tuple(new_path)


def at(tree, path):
    for step in path:
        tree = tree[step]
    return tree


def variants(tree, values, seen):
    """Faulty (and some valid) variants of one file's tree: at each place of
    a kind not `seen` before, every replacement value; every key removed; an
    unknown key, and keys the language's patterns take, added."""
    for path, node in places(tree):
        g = generic(path)
        if g in seen:
            continue
        seen.add(g)
        if path:
            for value in values:
                root, p = narrowed(tree, path)
                parent = at(root, p[:-1])
                parent[p[-1]] = copy.copy(value)
                yield root
        if isinstance(node, dict):
            for key in list(node):
                root, p = narrowed(tree, path)
                del at(root, p)[key]
                yield root
            for key, value in (("zz_unknown", 1), ("doc", "d"), ("params", loader.Map(1)),
                               ("abc", loader.Seq(1)), ("abc", 1), ("Abc", 1), (7, 1)):
                root, p = narrowed(tree, path)
                at(root, p)[key] = value
                yield root


class LeanAgreesWithJsonschema(unittest.TestCase):
    def verdicts(self, tree):
        lean = lean_schema.valid(language.document(), tree)
        try:
            full = not any(True for _ in language.iter_errors(tree))
        except TypeError:       # jsonschema on a key that is not a string
            full = None
        return lean, full

    def test_on_every_schema_file(self):
        self.assertEqual(lean_schema.unsupported(language.document()), [])
        for path in files():
            with self.subTest(path=os.path.relpath(path, ROOT)):
                self.assertEqual(self.verdicts(loader.load(path)), (True, True))

    def test_on_faulty_variants_of_them(self):
        values = replacements(language.document())
        judged = {True: 0, False: 0}
        seen = set()
        for path in files():
            tree = loader.load(path)
            for variant in variants(tree, values, seen):
                lean, full = self.verdicts(variant)
                if full is None:
                    self.assertFalse(lean)      # left to jsonschema, as before
                    continue
                if lean != full:
                    self.fail(f"{os.path.relpath(path, ROOT)}: lean says {lean}, "
                              f"jsonschema {full}, on {variant!r}"[:2000])
                judged[full] += 1
        # Both verdicts were exercised, many times.
        self.assertGreater(judged[False], 1000)
        self.assertGreater(judged[True], 100)


class UnsupportedKeyword(GenTestCase):
    def setUp(self):
        super().setUp()
        saved = (language._document, language._validator)
        self.addCleanup(lambda: (setattr(language, "_document", saved[0]),
                                 setattr(language, "_validator", saved[1])))

    def test_the_generator_refuses_a_keyword_it_does_not_implement(self):
        doc = copy.deepcopy(language.document())
        doc["$defs"]["lower_name"]["minLength"] = 2
        doc["$defs"]["struct"]["properties"]["size"]["multipleOf"] = 8
        language._document, language._validator = doc, None
        self.assertEqual(lean_schema.unsupported(doc),
                         [("#/$defs/lower_name/minLength", "minLength"),
                          ("#/$defs/struct/properties/size/multipleOf", "multipleOf")])
        r = self.run_gen()
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 2, r.stderr)       # once, not once per file
        self.assertRegex(lines[0], r"^codegen/schema-language\.json:\d+: "
                                   r"#/\$defs/lower_name/minLength: JSON Schema "
                                   r"'minLength' is not implemented")
        self.assertIn("'multipleOf' is not implemented", lines[1])

    def test_a_keyword_in_a_form_it_does_not_implement(self):
        doc = {"type": "object", "additionalProperties": True,
               "properties": {"a": {"$ref": "#/$defs/missing"}, "b": {"type": "decimal"}}}
        self.assertEqual(lean_schema.unsupported(doc),
                         [("#/additionalProperties", "additionalProperties"),
                          ("#/properties/a/$ref", "$ref"),
                          ("#/properties/b/type", "type")])

    def test_a_definition_that_refers_to_itself_on_the_same_value(self):
        doc = {"$defs": {"a": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/b"}]},
                         "b": {"$ref": "#/$defs/a"},
                         "c": {"type": "array", "items": {"$ref": "#/$defs/c"}}},
               "$ref": "#/$defs/a"}
        # c reads an item before it comes back: a tree's depth bounds it.
        self.assertEqual(lean_schema.unsupported(doc),
                         [("#/$defs/a/$ref", lean_schema.CYCLE),
                          ("#/$defs/b/$ref", lean_schema.CYCLE)])


if __name__ == "__main__":
    unittest.main()
