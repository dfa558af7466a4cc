"""The C names the hand-written library declares, read from its headers at
generation time, so that a schema whose generated names would collide with
one of them (`roam_segment_peer`, `roam_frame_check`, `roam_segment_t`) is
rejected before the library fails to compile.

Only declarations count: macros, functions, variables, typedef names,
struct/union/enum tags and enumeration constants whose name starts with
`roam_` or `ROAM_`. A name that a header merely uses, such as the generated
`roam_segment_header_t` in a prototype, is the generated header's own."""

import re

from .cache import digest
from .errors import SchemaError

with open(__file__, "rb") as _f:
    _SCANNER = _f.read()          # the answer depends on this code too

# The patterns of the scanner, compiled (by re, once) on first use: a run
# whose headers were scanned before finds their names in the cache.
_STRIP = (r"""
      /\*.*?\*/                 # block comment
    | //[^\n]*                  # line comment
    | "(?:\\.|[^"\\\n])*"       # string
    | '(?:\\.|[^'\\\n])*'       # character
""", re.S | re.X)
_TOKEN = (r"[A-Za-z_]\w*|[{}()\[\];=,]", 0)
_OURS = (r"^(roam|ROAM)_\w+$", 0)
_DEFINE = (r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)


def _blank(m):
    """A stripped comment or string keeps its newlines, so lines stay right."""
    return " " + "\n" * m.group().count("\n")


def _logical_lines(text):
    """Text with preprocessor lines (and their continuations) blanked out."""
    out = []
    cont = False
    for line in text.split("\n"):
        directive = cont or line.lstrip().startswith("#")
        cont = directive and line.endswith("\\")
        out.append("" if directive else line)
    return "\n".join(out)


def _tokens(code):
    """(token, line) of every identifier and of the punctuation that matters."""
    line, pos = 1, 0
    for m in re.compile(*_TOKEN).finditer(code):
        line += code.count("\n", pos, m.start())
        pos = m.start()
        yield m.group(), line


def declared(path, text):
    """[(name, line)] of the roam names that one header declares."""
    ours = re.compile(*_OURS)
    text = re.compile(*_STRIP).sub(_blank, text)
    found = [(m.group(1), text.count("\n", 0, m.start()) + 1)
             for m in re.compile(*_DEFINE).finditer(text) if ours.match(m.group(1))]
    tokens = list(_tokens(_logical_lines(text)))
    # For each open '{': "extern" for an `extern "C"` block (its string is
    # stripped), whose declarations are at file scope; "enum" for an enum
    # body; "block" for anything else (struct bodies, function bodies).
    braces = []
    parens = 0
    for i, (tok, line) in enumerate(tokens):
        if tok == "{":
            back = [t for t, _ in tokens[max(0, i - 2):i]]
            braces.append("extern" if back[-1:] == ["extern"] else
                          "enum" if "enum" in back else "block")
        elif tok == "}":
            if braces:
                braces.pop()
        elif tok == "(":
            parens += 1
        elif tok == ")":
            parens = max(0, parens - 1)
        elif tok[0] in "rR" and ours.match(tok):
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            file_scope = all(b == "extern" for b in braces)
            if file_scope and parens == 0 and nxt in ("(", ";", "[", "=", ",", "{"):
                found.append((tok, line))       # function, variable, typedef, tag
            elif braces and braces[-1] == "enum" and nxt in ("=", ",", "}"):
                found.append((tok, line))       # enumeration constant
    return found


def scan(paths, cache=None):
    """{name: (path, line)} of every roam name the headers declare, first
    declaration wins. `cache` (a cache.Cache) keeps the answer for headers
    of the same names and bytes."""
    texts = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                texts.append(f.read())
        except OSError as e:
            raise SchemaError(path, 0, f"cannot read: {e.strerror}") from None
    key = None
    if cache is not None:
        key = digest(_SCANNER, *[p.encode() for p in paths], *texts)
        out = cache.get("headers", key)
        if out is not None:
            return out
    out = {}
    for path, data in zip(paths, texts):
        for name, line in declared(path, data.decode("utf-8", errors="replace")):
            out.setdefault(name, (path, line))
    if cache is not None:
        cache.put("headers", key, out)
    return out


def check(errs, schema, names_module, paths, cache=None):
    """Report every generated C name that the library declares too."""
    if not paths:
        return
    taken = scan(paths, cache)
    for ident, where, what in names_module.all_identifiers(schema):
        if where is None or ident not in taken:
            continue
        hpath, hline = taken[ident]
        errs.add(where.path, where.line, f"{what}: generated C name '{ident}' is "
                 f"already declared by the library ({hpath}:{hline})")
