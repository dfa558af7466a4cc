"""The schema language, described once as data: codegen/schema-language.json,
a JSON Schema (draft 2020-12). Editors validate and complete schema files with
it; the generator checks every file's structure with it: lean_schema.py, an
interpreter of the few keywords it uses, passes a file that follows it, and
python3-jsonschema judges any other, each violation it finds turned into
`file:line: <object> '<name>': <message>`.

Everything else that needs a fact of the language (allowed writers and
orderings, name patterns, the README's key tables) reads it from here."""

import json
import os

from . import lean_schema
from .errors import SchemaError
from .source import Map, Seq

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(os.path.dirname(HERE), "schema-language.json")

_document = None


def document():
    """The JSON Schema as a dict (read once per process)."""
    global _document
    if _document is None:
        with open(PATH, encoding="utf-8") as f:
            _document = json.load(f)
    return _document


def resolve(sub):
    """`sub` with a local $ref followed (siblings of the $ref win)."""
    seen = 0
    while isinstance(sub, dict) and "$ref" in sub:
        ref = sub["$ref"]
        if not ref.startswith("#/$defs/") or seen > 16:
            raise ValueError(f"schema-language.json: unsupported $ref '{ref}'")
        target = document()["$defs"][ref[len("#/$defs/"):]]
        sub = {**target, **{k: v for k, v in sub.items() if k != "$ref"}}
        seen += 1
    return sub


def definition(name):
    """One object of the language by its $defs name; "file" is the root."""
    doc = document()
    return doc if name == "file" else doc["$defs"][name]


def property_schema(obj, key):
    """The resolved schema of property `key` of object definition `obj`."""
    return resolve(definition(obj)["properties"][key])


def allowed(obj, key):
    """The values an enumerated property accepts, in the language's order."""
    return list(property_schema(obj, key)["enum"])


def described(obj, key):
    """{value: description} of an enumerated property."""
    sub = property_schema(obj, key)
    return dict(zip(sub["enum"], sub["enumDescriptions"]))


def pattern(def_name):
    return document()["$defs"][def_name]["pattern"]


def object_definitions():
    """[(name, schema)] of every object of the language, the file first, in
    the order they are defined."""
    doc = document()
    out = [("file", doc)]
    out += [(n, d) for n, d in doc["$defs"].items() if d.get("type") == "object"]
    return out


# ---- Structural validation ------------------------------------------------

_validator = None


_ANNOTATIONS = {"title", "description", "enumDescriptions", "$comment", "default",
                "examples"}


def _inline(node):
    """The JSON Schema with every local $ref replaced by what it names: the
    same constraints, without a reference lookup at each use (the language
    has no recursive definitions)."""
    if isinstance(node, list):
        return [_inline(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v) for k, v in node.items() if k not in ("$ref", "$defs")}
    if "$ref" in node:
        target = _inline(resolve({"$ref": node["$ref"]}))
        if set(out) & set(target) <= _ANNOTATIONS:
            out = {**target, **out}
        else:
            out = {"allOf": [target, out]}
    return out


def _make_validator():
    """A draft 2020-12 validator of the language whose "integer" is a Python
    int, never a float such as 8.0 (which JSON Schema would accept)."""
    global _validator
    if _validator is None:
        import jsonschema   # costs more than the rest of the generator: only when needed

        base = jsonschema.Draft202012Validator
        checker = base.TYPE_CHECKER.redefine(
            "integer", lambda _c, v: isinstance(v, int) and not isinstance(v, bool))
        cls = jsonschema.validators.extend(base, type_checker=checker)
        _validator = cls(_inline(document()))
    return _validator


def iter_errors(tree):
    """The raw jsonschema errors of one loaded file (for tests and tools)."""
    return _make_validator().iter_errors(tree)


_judges = None


def judges():
    """The digest of the bytes that decide how a file's text becomes a
    checked tree: the JSON Schema and the code that parses and judges (a
    part of every cache key of a tree)."""
    global _judges
    if _judges is None:
        from .cache import digest

        parts = []
        code = [os.path.join(HERE, n) for n in ("loader.py", "source.py", "lean_schema.py")]
        for path in (PATH, __file__, *code):
            with open(path, "rb") as f:
                parts.append(f.read())
        _judges = digest(*parts).encode()
    return _judges


_audited = (None, None)


def _unsupported_keywords(errs):
    """Report, once per language document, every keyword lean_schema.py does
    not implement; True when there is one (nothing can be checked then)."""
    global _audited
    doc = document()
    if _audited[0] is not doc:
        _audited = (doc, lean_schema.unsupported(doc))
    where = os.path.relpath(PATH, os.path.dirname(os.path.dirname(HERE)))
    seen = {str(e) for e in errs.errors}
    for pointer, keyword in _audited[1]:
        e = SchemaError(where, _line_of_key(pointer), f"{pointer}: JSON Schema "
                        f"'{keyword}' is not implemented by the generator's structural "
                        "check (codegen/roam_codegen/lean_schema.py): implement it "
                        "there, with its jsonschema meaning, before the language uses it")
        if str(e) not in seen:      # once per run, however many files it stops
            errs.errors.append(e)
    return bool(_audited[1])


def _line_of_key(pointer):
    """The line of the last key of a JSON pointer in schema-language.json
    (its first occurrence after the keys before it), 0 if not found."""
    try:
        with open(PATH, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return 0
    pos = 0
    for step in pointer.split("/")[1:]:
        found = text.find(f'"{step}"', pos)
        if found < 0:
            break
        pos = found
    return text.count("\n", 0, pos) + 1


def validate(errs, path, tree):
    """Report every structural fault of one loaded file as `path:line: ...`;
    True when there is none."""
    if _unsupported_keywords(errs):
        return False
    if lean_schema.valid(document(), tree):
        return True
    before = len(errs.errors)
    for e in sorted(iter_errors(tree), key=lambda e: [str(p) for p in e.absolute_path]):
        for line, message in _explain(tree, e):
            errs.add(path, line, message)
    return len(errs.errors) == before


# ---- From a jsonschema error to a line and a sentence ----------------------

_KINDS = {"string": "a string", "integer": "an integer", "boolean": "true or false",
          "array": "a list", "object": "a mapping", "null": "nothing", "number": "a number"}


def _article(noun):
    if noun.startswith(("a ", "an ")):
        return noun
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _label(schema, node):
    title = schema.get("title", "")
    name = node.get("name") if isinstance(node, Map) else None
    return f"{title} '{name}'" if isinstance(name, str) else title


def _walk(tree, path):
    """Follow a jsonschema error path through the tree and the language.

    Returns (what, key, line, node, schema): `what` names the innermost
    object (e.g. "struct 'ring' field 'head'"), `key` the place in it as
    the reader wrote it (e.g. "'offset'" or "'exclusive[0][1]'", None for
    the object itself), `line` where that is, and the node and its schema."""
    node, schema = tree, document()
    what, key, line = schema["title"], None, getattr(tree, "line", 1)
    for step in path:
        if isinstance(node, Map) and step in node:
            line = node.line_of(step)
            sub = resolve(schema.get("properties", {}).get(step, {}))
            key = f"'{step}'"
        elif isinstance(node, Seq) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            sub = resolve(schema.get("items", {}))
            key = f"{key[:-1]}[{step}]'" if key else f"[{step}]"
        else:
            break
        node, schema = node[step], sub
        if isinstance(node, Map) and "properties" in sub:     # an object of the language
            label = _label(sub, node)
            what = label if what == document()["title"] else f"{what} {label}"
            key = None
    return what, key, line, node, schema


def _describe(v, limit=40):
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, int):
        return f"the integer {v}"
    if isinstance(v, float):
        return f"the number {v!r}"
    if isinstance(v, str):
        text = v if len(v) <= limit else v[:limit] + "..."
        return f"the string '{text}'"
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    if v is None:
        return "nothing"
    return f"a value of type {type(v).__name__}"


def _explain(tree, e):
    """[(line, message)] for one jsonschema error."""
    what, key, line, node, schema = _walk(tree, e.absolute_path)
    kind = e.validator
    prefix = f"{what}: "
    loc = f"{key} " if key else ""
    if kind == "additionalProperties" and isinstance(node, Map):
        known = ", ".join(sorted(schema.get("properties", {})))
        return [(node.line_of(k), f"{prefix}unknown key '{k}' (known keys: {known})")
                for k in node if k not in schema.get("properties", {})]
    if kind == "required" and isinstance(node, Map):
        return [(node.line, f"{prefix}missing key '{k}'")
                for k in e.validator_value if k not in node]
    if kind == "type":
        types = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
        want = schema.get("title") if len(types) > 1 and "title" in schema else \
            " or ".join(_KINDS.get(t, t) for t in types)
        return [(line, f"{prefix}{loc}must be {want}, not {_describe(e.instance)}")]
    if kind == "enum":
        noun = schema.get("title") or (key or "value").strip("'")
        shown = _describe(e.instance).replace("the string ", "")
        return [(line, f"{prefix}unknown {noun} {shown} "
                       f"(one of: {', '.join(map(str, e.validator_value))})")]
    if kind in ("pattern", "anyOf", "oneOf"):
        noun = schema.get("title")
        want = _article(noun) if noun else f"text matching {e.validator_value}"
        return [(line, f"{prefix}{loc}must be {want}, not {_describe(e.instance)}")]
    if kind in ("minimum", "maximum"):
        word = "at least" if kind == "minimum" else "at most"
        return [(line, f"{prefix}{loc}must be {word} {e.validator_value}, "
                       f"not {e.instance}")]
    if kind == "minItems":
        return [(line, f"{prefix}{loc}must have at least {e.validator_value} items, "
                       f"not {len(e.instance)}")]
    if kind == "maxLength":
        return [(line, f"{prefix}{loc}must be at most {e.validator_value} characters "
                       f"long, not {len(e.instance)}")]
    return [(line, f"{prefix}{loc}is not valid here ({kind}: "
                   f"{str(e.validator_value)[:60]})")]
