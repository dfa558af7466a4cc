"""The README's key tables of the schema language, rendered from the JSON
Schema: one block `schema-language/<object>` per object of the language
("file" for a whole file), each a sentence and a table of its keys."""

import os
import re

from . import language, readme


_CODE_SPAN = re.compile(r"(`[^`]*`)")


def _cell(text):
    """The language's own Markdown (its code in backticks) for a table cell:
    pipes escaped, and '<' outside code spans never opening an HTML tag."""
    parts = _CODE_SPAN.split(" ".join(str(text).split()))
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;")
                   for p in parts).replace("|", "\\|")

BLOCK_PREFIX = "schema-language/"


def _range(sub):
    lo, hi = sub.get("minimum"), sub.get("maximum")
    if hi == (1 << 64) - 1:
        hi = "2^64-1"
    return f"{lo}..{hi}" if lo is not None and hi is not None else ""


def value_text(sub):
    """What a value of this (sub)schema is, in a few words."""
    sub = language.resolve(sub)
    if "enum" in sub:
        return "one of " + ", ".join(f"`{v}`" for v in sub["enum"])
    types = sub.get("type")
    if isinstance(types, list) or "anyOf" in sub or "oneOf" in sub:
        return sub.get("title", " or ".join(types or []))
    if types == "object" and "properties" not in sub and "patternProperties" in sub:
        value = next(iter(sub["patternProperties"].values()))
        return f"mapping of names to {value_text(value)}"
    if types == "object":
        return f"*{sub['title']}*"
    if types == "array":
        return sub.get("title") or "list of " + value_text(sub["items"])
    if types == "boolean":
        return "`true` or `false`"
    if types == "integer":
        return sub.get("title") or f"integer {_range(sub)}".strip()
    return sub.get("title", "text")


def meaning(sub):
    """The description, then each enumerated value's on a line of its own."""
    sub = language.resolve(sub)
    parts = [_cell(sub.get("description", ""))]
    parts += [_cell(f"`{v}`: {d}") for v, d in
              zip(sub.get("enum", []), sub.get("enumDescriptions", []))]
    return "<br>".join(parts)


def table(obj):
    """The Markdown of one object of the language."""
    schema = language.definition(obj)
    required = set(schema.get("required", []))
    lines = [_cell(schema["description"]), "",
             "| key | required | value | meaning |", "|---|---|---|---|"]
    for key, sub in schema["properties"].items():
        lines.append(f"| `{key}` | {'yes' if key in required else 'no'} | "
                     f"{_cell(value_text(sub))} | {meaning(sub)} |")
    for sub in schema.get("patternProperties", {}).values():
        lines.append(f"| *any other name* | no | {_cell(value_text(sub))} | {meaning(sub)} |")
    return "\n".join(lines) + "\n"


_sources = None


def _depends():
    """The bytes a table depends on: the language and the code that reads it
    and writes the table."""
    global _sources
    if _sources is None:
        here = os.path.dirname(os.path.abspath(__file__))
        _sources = []
        for path in (language.PATH, os.path.join(here, "language.py"), __file__):
            with open(path, "rb") as f:
                _sources.append(f.read())
    return _sources


def _register():
    for obj, _schema in language.object_definitions():
        readme.register(BLOCK_PREFIX + obj, lambda _s, obj=obj: table(obj), _depends)


_register()
