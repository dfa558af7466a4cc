"""Render a checked Schema through the Jinja2 templates, and write the results
atomically: every output goes to a temporary file first, and the temporaries
are renamed over the real files only after all of them rendered."""

import os
import tempfile

import jinja2

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


def _c_comment(text):
    """Text that can stand inside a /* */ comment: no */ or /* in it."""
    text = str(text)
    while "*/" in text or "/*" in text:
        text = text.replace("*/", "* /").replace("/*", "/ *")
    return text


def _c_string(text):
    """Text that can stand inside a C string literal."""
    return "".join(ch if 0x20 <= ord(ch) < 0x7f and ch not in '"\\?' else
                   f"\\{ord(ch):03o}" if ord(ch) < 0x100 else "?" for ch in str(text))


def _md(text):
    """Keep table cells on one line and free of stray pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


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


def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(c_order=_c_order, c_int=_c_int, c_bytes=_c_bytes, md=_md,
                       c_comment=_c_comment, c_string=_c_string,
                       atomic_summary=_atomic_summary, bytemap=diagrams.draw,
                       segment_diagram=diagrams.segment, int_text=_int_text)
    env.globals.update(names=names, writers=checks.WRITERS)
    return env


def render(schema, sources, changes=None, baseline="schema/abi-baseline.json",
           baseline_version=None):
    """Return {relative output path: text}. `sources` names the schema files
    in the banner, as the reader should find them in the repository.
    `changes` are the compat.Differences from the ABI baseline named
    `baseline`, or None when there is no baseline."""
    env = environment()
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
    return {out: env.get_template(tpl).render(**ctx) for out, tpl in OUTPUTS.items()}


def differences(outputs, out_dir):
    """Relative paths whose file in out_dir differs from the rendered text."""
    stale = []
    for rel, text in sorted(outputs.items()):
        try:
            with open(os.path.join(out_dir, rel), encoding="utf-8", newline="") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        stale.append(rel)
    return stale


def write_all(outputs, out_dir):
    """Write every output or none: temporaries first, then renames."""
    temps = []
    try:
        for rel, text in sorted(outputs.items()):
            final = os.path.join(out_dir, rel)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(final))
            temps.append((tmp, final))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
        for tmp, final in temps:
            os.replace(tmp, final)
        temps = []
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
