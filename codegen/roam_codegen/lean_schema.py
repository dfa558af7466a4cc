"""A lean interpreter of exactly the JSON Schema keywords that
codegen/schema-language.json uses, with python3-jsonschema's meaning for
each: it answers only "does this tree follow the language?".

It exists because importing jsonschema costs more than the rest of a run.
A tree it passes is valid for jsonschema too (the tests run both on every
fixture and schema file and on thousands of faulty variants of them, and
assert the same verdict); a tree it fails, or any value it is unsure of
(a key that is not a string where a pattern applies), goes to jsonschema,
which stays the authority on what is wrong and how it is reported.

`unsupported(document)` names every keyword of the document this module
does not implement: the generator refuses to check anything with such a
document, so the language cannot outgrow this interpreter unnoticed."""

import re

# The keywords interpreted below, and those that only annotate.
KEYWORDS = frozenset({"type", "enum", "pattern", "minimum", "maximum", "maxLength",
                      "minItems", "required", "properties", "patternProperties",
                      "additionalProperties", "items", "anyOf", "$ref"})
ANNOTATIONS = frozenset({"title", "description", "enumDescriptions", "$comment",
                         "default", "examples", "$schema", "$id", "$defs"})

CYCLE = "$ref back to its own definition on the same value"

_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
_REF = "#/$defs/"


def unsupported(doc):
    """[(JSON pointer, keyword)] of every keyword (or keyword value) of the
    JSON Schema `doc` this interpreter cannot judge, in document order: one
    it does not implement, one in a form it does not implement, and a $ref
    that comes back to its definition without reading a value (on which it
    would never finish)."""
    out = []
    _audit(doc, doc, "#", out)
    if not out:
        out += _cycles(doc)
    return out


def _cycles(doc):
    """A $ref of each definition that reaches itself again on the same value
    (through $ref and anyOf only)."""
    defs = doc.get("$defs", {})

    def refs(schema):
        found = [schema["$ref"][len(_REF):]] if "$ref" in schema else []
        for sub in schema.get("anyOf", []):
            found += refs(sub)
        return found

    out = []
    for name in defs:
        seen, todo = set(), refs(defs[name])
        while todo:
            ref = todo.pop()
            if ref == name:
                out.append((f"#/$defs/{name}/$ref", CYCLE))
                break
            if ref not in seen:
                seen.add(ref)
                todo += refs(defs[ref])
    return out


def _audit(doc, schema, where, out):
    if not isinstance(schema, dict):
        out.append((where, "a schema that is not an object"))
        return
    for key, value in schema.items():
        at = f"{where}/{key}"
        if key in ANNOTATIONS:
            if key == "$defs":
                for name, sub in value.items():
                    _audit(doc, sub, f"{at}/{name}", out)
            continue
        if key not in KEYWORDS or not _well_formed(doc, key, value):
            out.append((at, key))
        elif key in ("properties", "patternProperties"):
            for name, sub in value.items():
                _audit(doc, sub, f"{at}/{name}", out)
        elif key == "anyOf":
            for i, sub in enumerate(value):
                _audit(doc, sub, f"{at}/{i}", out)
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            _audit(doc, value, at, out)


def _well_formed(doc, key, value):
    """Whether `value` is a form of `key` the interpreter implements."""
    if key == "type":
        types = value if isinstance(value, list) else [value]
        return bool(types) and all(t in _TYPES for t in types)
    if key == "$ref":
        return (isinstance(value, str) and value.startswith(_REF)
                and value[len(_REF):] in doc.get("$defs", {}))
    if key in ("minimum", "maximum"):
        return isinstance(value, int) and not isinstance(value, bool)
    if key in ("maxLength", "minItems"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if key == "pattern":
        return isinstance(value, str)
    if key in ("enum", "required", "anyOf"):
        return isinstance(value, list)
    if key in ("properties", "patternProperties"):
        return isinstance(value, dict)
    if key == "additionalProperties":
        return value is False or isinstance(value, dict)
    return isinstance(value, dict)      # items


def valid(doc, tree):
    """True when `tree` follows the JSON Schema `doc` (which `unsupported`
    passed); False when it does not, or may not."""
    return _Checker(doc).valid(tree, doc)


class _Checker:
    def __init__(self, doc):
        self.defs = doc.get("$defs", {})

    def valid(self, node, schema):
        """Every keyword of `schema` holds for `node` (draft 2020-12: a
        $ref is one more keyword beside its siblings)."""
        for key, want in schema.items():
            check = _CHECKS.get(key)
            if check is not None and not check(self, node, want, schema):
                return False
        return True


# ---- The keywords, each as jsonschema 4 judges it --------------------------

def _is_type(node, name):
    if name == "string":
        return isinstance(node, str)
    if name == "integer":       # the generator's: a Python int, not a bool or 8.0
        return isinstance(node, int) and not isinstance(node, bool)
    if name == "number":
        return isinstance(node, (int, float)) and not isinstance(node, bool)
    if name == "boolean":
        return isinstance(node, bool)
    if name == "array":
        return isinstance(node, list)
    if name == "object":
        return isinstance(node, dict)
    return node is None         # "null"


def _number(node):
    return isinstance(node, (int, float)) and not isinstance(node, bool)


def _type(_c, node, want, _s):
    if isinstance(want, str):
        return _is_type(node, want)
    return any(_is_type(node, t) for t in want)


def _equal(a, b):
    """jsonschema's equality: a bool equals only a bool."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False            # jsonschema compares other sequences too: let it
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _enum(_c, node, want, _s):
    return any(_equal(each, node) for each in want)


def _pattern(_c, node, want, _s):
    return not isinstance(node, str) or re.search(want, node) is not None


def _minimum(_c, node, want, _s):
    return not _number(node) or not node < want


def _maximum(_c, node, want, _s):
    return not _number(node) or not node > want


def _max_length(_c, node, want, _s):
    return not isinstance(node, str) or len(node) <= want


def _min_items(_c, node, want, _s):
    return not isinstance(node, list) or len(node) >= want


def _required(_c, node, want, _s):
    return not isinstance(node, dict) or all(k in node for k in want)


def _properties(c, node, want, _s):
    if not isinstance(node, dict):
        return True
    for key, sub in want.items():
        if key in node and not c.valid(node[key], sub):
            return False
    return True


def _pattern_properties(c, node, want, _s):
    if not isinstance(node, dict):
        return True
    for pat, sub in want.items():
        for key, value in node.items():
            if not isinstance(key, str):
                return False    # jsonschema's re.search would fail on it: let it
            if re.search(pat, key) and not c.valid(value, sub):
                return False
    return True


def _additional_properties(c, node, want, schema):
    if not isinstance(node, dict):
        return True
    known = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    for key, value in node.items():
        if key in known:
            continue
        if patterns:
            if not isinstance(key, str):
                return False
            if re.search(patterns, key):
                continue
        if want is False or not c.valid(value, want):
            return False
    return True


def _items(c, node, want, _s):
    return not isinstance(node, list) or all(c.valid(x, want) for x in node)


def _any_of(c, node, want, _s):
    return any(c.valid(node, sub) for sub in want)


def _ref(c, node, want, _s):
    return c.valid(node, c.defs[want[len(_REF):]])


_CHECKS = {"type": _type, "enum": _enum, "pattern": _pattern, "minimum": _minimum,
           "maximum": _maximum, "maxLength": _max_length, "minItems": _min_items,
           "required": _required, "properties": _properties,
           "patternProperties": _pattern_properties,
           "additionalProperties": _additional_properties, "items": _items,
           "anyOf": _any_of, "$ref": _ref}
