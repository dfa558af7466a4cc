"""Render a checked Schema through the Jinja2 templates, and write the results
atomically: every output goes to a temporary file first, and the temporaries
are renamed over the real files only after all of them rendered. A file
whose bytes would not change is not written at all, so that make sees an
unchanged schema as unchanged.

Text from the schema is escaped for where it lands: `c_comment` in C
comments; in the Markdown doc every `{{ }}` is escaped by default (raw HTML
cannot pass), and the filters that build Markdown themselves (`md` table
cells, `md_code` code spans, drawings in code blocks, `html_comment`) mark
their result as safe."""

import os
import re
import tempfile

import jinja2
from markupsafe import Markup

from . import checks, diagrams, layout, names
from .c_layout import c_expr

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "templates")

# output path (relative to the output dir) -> template
OUTPUTS = {
    "roam_shm_layout.h": "header.h.j2",
    os.path.join("docs", "roam_shm_layout.md"): "doc.md.j2",
}


def _c_order(order):
    return f"memory_order_{order}"


def _int_text(value):
    return str(value) if value < 0x10000 else f"0x{value:X}"


def _c_int(value, type_):
    text = _int_text(value)
    return f"UINT64_C({text})" if type_.bits == 64 else f"{text}u"


def _c_bytes(data):
    return "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\?'
                   else f"\\{b:03o}" for b in data)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _c_comment(text):
    """Text that can stand inside a /* */ comment: no */ or /* in it, and no
    control character (a compiler warns about some; \\r would end a line)."""
    text = _CONTROL.sub(" ", str(text))
    while "*/" in text or "/*" in text:
        text = text.replace("*/", "* /").replace("/*", "/ *")
    return text


# What textwrap takes for whitespace (ASCII only).
_SPACES = re.compile(r"([\t\n\x0b\x0c\r ]+)")


def _wrap(text, width):
    """Each line of `text` filled to at most `width` characters: Jinja2's
    wordwrap(width, break_on_hyphens=False) — lines break at whitespace, a
    longer word is cut — without importing textwrap and compiling its
    patterns (a few milliseconds of every run). A port of textwrap's
    algorithm for exactly those settings; the tests compare the two."""
    return "\n".join("\n".join(_wrap_line(line, width)) for line in str(text).splitlines())


def _wrap_line(line, width):
    if width < 1:
        raise ValueError(f"wrap width {width} must be at least 1")
    chunks = [c for c in _SPACES.split(line) if c]
    chunks.reverse()
    lines = []
    while chunks:
        cur, cur_len = [], 0
        if lines and chunks[-1].strip() == "":      # no line starts with spaces
            del chunks[-1]
        while chunks and cur_len + len(chunks[-1]) <= width:
            cur_len += len(chunks[-1])
            cur.append(chunks.pop())
        if chunks and len(chunks[-1]) > width:      # a word longer than a line
            left = width - cur_len
            cur.append(chunks[-1][:left])
            chunks[-1] = chunks[-1][left:]
        if cur and cur[-1].strip() == "":           # nor ends with them
            del cur[-1]
        if cur:
            lines.append("".join(cur))
    return lines


def _c_comment_line(text):
    """_c_comment on one line (the banner's file names)."""
    return _c_comment(text).replace("\n", " ")


# Raw HTML in Markdown starts with '<' and a letter, '/', '!' or '?';
# an entity reference with '&', a name or number, and ';'.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_PLAIN = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f<&]*")


def _md_text(text):
    """Markdown text that shows as written: it holds no raw HTML and no
    entity reference. (The doc's `finalize`: applied to every value.)"""
    if isinstance(text, Markup):
        return text
    text = str(text)
    if _MD_PLAIN.fullmatch(text):       # most values: nothing to escape
        return Markup(text)
    text = _CONTROL.sub(" ", text)
    return Markup(_HTML_START.sub("&lt;", _ENTITY.sub("&amp;", text)))


def _c_string(text):
    """Text that can stand inside a C string literal."""
    return "".join(ch if 0x20 <= ord(ch) < 0x7f and ch not in '"\\?' else
                   f"\\{ord(ch):03o}" if ord(ch) < 0x100 else "?" for ch in str(text))


def _md(text):
    """A table cell: one line, no stray pipes, no raw HTML."""
    return _md_text(" ".join(str(text).split()).replace("|", "\\|"))


def _md_code(text, cell=False):
    """A code span showing `text` exactly, on one line: its fence is longer
    than any run of backticks inside it. `cell`: it stands in a table."""
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    if cell:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def _md_block(text):
    """The lines of a fenced code block: none of them can close the fence."""
    return Markup(_CONTROL.sub(" ", str(text)).replace("`", "'"))


def _html_comment(text):
    """Text inside <!-- -->: one line, and nothing that could end it."""
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    while "--" in text:
        text = text.replace("--", "- -")
    return Markup(text.replace(">", "&gt;"))


def _atomic_summary(f):
    if not f.atomic:
        return "no"
    a = f.atomic
    parts = [f"load {a.load}, store {a.store}"]
    for r in a.rmw:
        if r.op == "cas":
            move = f" {r.from_}→{r.to}" if r.from_ else ""
            parts.append(f"{r.name}: cas{move} ({r.success}/{r.failure})")
        else:
            parts.append(f"{r.name}: {r.op} ({r.order})")
    return "; ".join(parts)


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs; a cache that cannot be written
    only makes the next run slower."""

    def dump_bytecode(self, bucket):
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


_environments = {}


def environment(kind="c", cache=None):
    """The Jinja2 environment of one output kind, "c" or "md", made once per
    process; `cache` is a directory that keeps the compiled templates."""
    key = (kind, cache)
    if key in _environments:
        return _environments[key]
    bcc = None
    if cache is not None:
        try:
            os.makedirs(cache, exist_ok=True)
            bcc = _BytecodeCache(cache)
        except OSError:
            pass
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        bytecode_cache=bcc,
        # Markdown: every value is escaped unless a filter marked it safe.
        finalize=_md_text if kind == "md" else None,
    )
    env.filters.update(c_order=_c_order, c_int=_c_int, c_bytes=_c_bytes, md=_md,
                       c_comment=_c_comment, c_comment_line=_c_comment_line,
                       c_string=_c_string, md_code=_md_code, html_comment=_html_comment,
                       atomic_summary=_atomic_summary,
                       bytemap=lambda s: _md_block(diagrams.draw(s)),
                       segment_diagram=lambda lay: _md_block(diagrams.segment(lay)),
                       int_text=_int_text, wrap=_wrap)
    env.globals.update(names=names, writers=checks.WRITERS)
    _environments[key] = env
    return env


def render(schema, sources, cache=None, changes=None,
           baseline="schema/abi-baseline.json", baseline_version=None):
    """Return {relative output path: text}. `sources` names the schema files
    in the banner, as the reader should find them in the repository.
    `changes` are the compat.Differences from the ABI baseline named
    `baseline`, or None when there is no baseline. `cache`: a directory
    that keeps the compiled templates."""
    widths = sorted({f.type.size for s in schema.structs for f in s.fields if f.atomic})
    ctx = dict(schema=schema, sources=sources, atomic_widths=widths, changes=changes,
               baseline=baseline, baseline_version=baseline_version,
               message_text=lambda e: checks.message_text(schema, e))
    lay = schema.layout
    if lay is not None:
        def part_size(p, scope):
            if p.size is not None:
                return c_expr(schema, lay, p.size, scope)
            one = f"(uint64_t)sizeof({names.struct_type(schema.struct(p.struct))})"
            if p.count is None:
                return one
            return f"roam_layout__mul({c_expr(schema, lay, p.count, scope)}, {one}, &ovf)"
        ctx.update(c_expr=lambda e, scope: c_expr(schema, lay, e, scope),
                   part_size=part_size,
                   config_fields=layout.config_fields(schema, lay),
                   init_sources=layout.init_sources(schema, lay))
    out = {}
    for rel, tpl in OUTPUTS.items():
        env = environment("md" if tpl.endswith(".md.j2") else "c", cache)
        out[rel] = env.get_template(tpl).render(**ctx)
    return out


def same(path, text):
    """True when the file at `path` holds exactly `text`."""
    try:
        with open(path, "rb") as f:
            return f.read() == text.encode("utf-8")
    except OSError:
        return False


def differences(outputs, out_dir):
    """Relative paths whose file in out_dir differs from the rendered text."""
    return [rel for rel, text in sorted(outputs.items())
            if not same(os.path.join(out_dir, rel), text)]


def write_all(outputs, out_dir="."):
    """Write every changed output or none: temporaries first, then renames.
    A file that already holds its text is left alone (its mtime too).
    Returns the paths written."""
    temps = []
    try:
        for rel, text in sorted(outputs.items()):
            final = os.path.join(out_dir, rel)
            if same(final, text):
                continue
            folder = os.path.dirname(final) or "."
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            temps.append((tmp, final))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
        for tmp, final in temps:
            os.replace(tmp, final)
        written = [final for _, final in temps]
        temps = []
        return written
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
