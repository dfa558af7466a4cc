"""Generated blocks inside README.md.

A block is the text between two marker lines:

    <!-- generated:NAME -->
    ...
    <!-- /generated:NAME -->

`make regen` replaces the text of every block by what the renderer
registered under NAME gives; `gen.py --check` reports a block whose text
differs. A marker with no renderer, a renderer with no block, and unpaired
markers are errors, so a README cannot silently fall behind.

To add a block: write a function schema -> Markdown text in a module of
roam_codegen, call `register(NAME, function)` there, add the module to
PROVIDERS, and put the two marker lines where the block belongs. A block
that does not depend on the schema names, with `depends=`, a function
giving every byte it depends on: a cache then keeps its text by their
digest."""

import importlib
import re

from .cache import digest
from .errors import SchemaError

# Modules that register blocks when imported.
PROVIDERS = ["language_doc", "error_table"]

_renderers = {}
_depends = {}       # name -> its `depends`, for the blocks that have one
_loaded = False

_MARKER = re.compile(r"^<!-- (/?)generated:([A-Za-z0-9_./-]+) -->[ \t]*$")


def register(name, renderer, depends=None):
    """Have block NAME rendered by `renderer(schema)` (the checked Schema).
    `depends()`, for a block that ignores the schema: [bytes] that decide
    its text."""
    _renderers[name] = renderer
    if depends is not None:
        _depends[name] = depends


def renderers():
    global _loaded
    if not _loaded:
        for module in PROVIDERS:
            importlib.import_module(f"{__package__}.{module}")
        _loaded = True
    return dict(_renderers)


def _blocks(path, lines):
    """[(name, first content line index, end marker line index)]; raise
    ErrorList-ready SchemaErrors for malformed markers."""
    out, errors, open_ = [], [], None
    for i, line in enumerate(lines):
        if not line.startswith("<!-- "):     # most lines: no marker can match
            continue
        m = _MARKER.match(line.rstrip("\n"))
        if not m:
            continue
        closing, name = m.group(1) == "/", m.group(2)
        if not closing:
            if open_ is not None:
                errors.append(SchemaError(path, i + 1, f"block '{name}' opens inside "
                                          f"block '{open_[0]}' (line {open_[1] + 1})"))
            open_ = (name, i)
        elif open_ is None or open_[0] != name:
            errors.append(SchemaError(path, i + 1, f"'/generated:{name}' closes no "
                                      "open block"))
        else:
            out.append((name, open_[1] + 1, i))
            open_ = None
    if open_ is not None:
        errors.append(SchemaError(path, open_[1] + 1, f"block '{open_[0]}' is never "
                                  f"closed (<!-- /generated:{open_[0]} -->)"))
    return out, errors


def _kept(names, known, schema, cache):
    """{name: text} of the blocks that do not depend on the schema, kept in
    `cache` as one entry per `depends` function (by the digest of what it
    gives and of the blocks' names)."""
    groups = {}
    for name in names:
        if name in _depends:
            groups.setdefault(_depends[name], []).append(name)
    out = {}
    for depends, group in groups.items():
        key = digest(*[n.encode() for n in sorted(group)], *depends())
        texts = cache.get("blocks", key)
        if not isinstance(texts, dict) or set(texts) != set(group):
            texts = {n: known[n](schema) for n in group}
            cache.put("blocks", key, texts)
        out.update(texts)
    return out


def update(path, text, schema, cache=None):
    """(new text, stale blocks [(name, line)], errors) of one README.
    `cache` (a cache.Cache) keeps the blocks that do not depend on the
    schema."""
    lines = text.splitlines(keepends=True)
    blocks, errors = _blocks(path, lines)
    known = renderers()
    seen = set()
    for name, start, _end in blocks:
        if name in seen:
            errors.append(SchemaError(path, start, f"block '{name}' appears twice"))
        seen.add(name)
        if name not in known:
            errors.append(SchemaError(path, start, f"block '{name}': no such generated "
                                      f"block (known: {', '.join(sorted(known))})"))
    for name in sorted(set(known) - seen):
        errors.append(SchemaError(path, 0, f"no block '{name}': add the lines "
                                  f"<!-- generated:{name} --> and "
                                  f"<!-- /generated:{name} --> where it belongs"))
    if errors:
        return text, [], errors
    kept = {} if cache is None else _kept([b[0] for b in blocks], known, schema, cache)
    out, stale, pos = [], [], 0
    for name, start, end in blocks:
        body = kept[name] if name in kept else known[name](schema)
        if body and not body.endswith("\n"):
            body += "\n"
        out.extend(lines[pos:start])
        if "".join(lines[start:end]) != body:
            stale.append((name, start))
        out.append(body)
        pos = end
    out.extend(lines[pos:])
    return "".join(out), stale, []
