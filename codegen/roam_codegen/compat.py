"""ABI compatibility with roam v7 peers.

`facts` reduces a checked Schema to the facts a peer depends on, one flat
key per fact (`struct.peer_entry.field.state.load` = "acquire"), each with
the `schema/FILE.yaml:LINE` it comes from. `baseline_text` writes them as the
committed baseline (schema/abi-baseline.json); `load_baseline` reads it back.
`diff` (compat_diff.py, where the classification rules live) compares a
baseline with the schema and classifies every difference as compatible or
breaking, with its reason. `version_problem` says whether the format version
was bumped consistently, which is what allows a breaking change to be
recorded as the new baseline.
"""

import json
import os

from .compat_diff import Difference, diff, grouped  # noqa: F401 (compat.diff is the API)
from .record import record

BASELINE_NAME = "abi-baseline.json"
FORMAT = 1


@record(frozen=True)
class Fact:
    value: object       # JSON value: int, str, bool, None or a list of str
    at: str             # "schema/FILE.yaml:LINE"


class BaselineError(Exception):
    pass


# ---- Extraction -------------------------------------------------------------

def facts(schema, label="schema"):
    """{key: Fact} of every ABI fact of a checked schema. `label` is how the
    schema directory is named in locations (`schema/10-x.yaml:12`)."""
    out, files = {}, {}

    def put(key, value, where, key_line=None):
        line = key_line if key_line is not None else where.line
        name = files.get(where.path)
        if name is None:
            name = files[where.path] = f"{label}/{os.path.basename(where.path)}"
        if isinstance(value, (bytes, list, tuple)):
            value = _plain(value)
        out[key] = Fact(value, f"{name}:{line}")

    for c in schema.constants:
        k = f"constant.{c.name}"
        put(f"{k}.type", str(c.type), c.where, c.line_of("type"))
        put(f"{k}.value", c.value, c.where, c.line_of("expr" if c.expr else "value"))
        put(f"{k}.expr", c.expr, c.where, c.line_of("expr"))
        put(f"{k}.doc", c.doc, c.where, c.line_of("doc"))
        put(f"{k}.rules", c.rules, c.where, c.line_of("rules"))

    for e in schema.enums:
        k = f"enum.{e.name}"
        put(f"{k}.type", str(e.type), e.where, e.line_of("type"))
        put(f"{k}.doc", e.doc, e.where, e.line_of("doc"))
        for v in e.values:
            put(f"{k}.values.{v.name}", v.value, v.where)
            put(f"{k}.values.{v.name}.doc", v.doc, v.where)

    for fl in schema.flags:
        k = f"flags.{fl.name}"
        put(f"{k}.type", str(fl.type), fl.where, fl.line_of("type"))
        put(f"{k}.doc", fl.doc, fl.where, fl.line_of("doc"))
        for b in fl.bits:
            put(f"{k}.bits.{b.name}", b.bit, b.where)
            put(f"{k}.bits.{b.name}.doc", b.doc, b.where)
        # Exclusivity as pairs, so that a group extended by a new bit keeps
        # every pair it had.
        for group, line in fl.exclusive:
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    lo, hi = sorted((a, b))
                    put(f"{k}.exclusive.{lo}.{hi}", True, fl.where, line)

    for s in schema.structs:
        k = f"struct.{s.name}"
        put(f"{k}.size", s.size, s.where, s.line_of("size"))
        put(f"{k}.align", s.align, s.where, s.line_of("align"))
        put(f"{k}.doc", s.doc, s.where, s.line_of("doc"))
        put(f"{k}.rules", s.rules, s.where, s.line_of("rules"))
        for f in s.fields:
            _field_facts(put, f"{k}.field.{f.name}", f)

    _layout_facts(put, schema)
    return out


def _field_facts(put, k, f):
    w, line = f.where, f.line_of
    put(f"{k}.offset", f.offset, w, line("offset"))
    put(f"{k}.size", f.type.size, w, line("type"))
    put(f"{k}.type", str(f.type), w, line("type"))
    put(f"{k}.reserved", f.reserved, w, line("reserved"))
    put(f"{k}.writer", f.writer, w, line("writer"))
    put(f"{k}.default", f.default, w, line("default"))
    put(f"{k}.enum", f.enum, w, line("enum"))
    put(f"{k}.flags", f.flags, w, line("flags"))
    put(f"{k}.init", f.init, w, line("init"))
    put(f"{k}.publish", f.publish, w, line("publish"))
    put(f"{k}.doc", f.doc, w, line("doc"))
    put(f"{k}.rules", f.rules, w, line("rules"))
    put(f"{k}.atomic", f.atomic is not None, w, line("atomic"))
    if f.atomic is None:
        return
    a = f.atomic
    put(f"{k}.load", a.load, w, a.line_of("load"))
    put(f"{k}.store", a.store, w, a.line_of("store"))
    for r in a.rmw:
        rk = f"{k}.rmw.{r.name}"
        put(f"{rk}.op", r.op, r.where, r.line_of("op"))
        for attr, value in (("order", r.order), ("success", r.success),
                            ("failure", r.failure), ("from", r.from_), ("to", r.to)):
            put(f"{rk}.{attr}", value, r.where, r.line_of(attr))
        put(f"{rk}.doc", r.doc, r.where, r.line_of("doc"))


# ---- Layout formulas: the one part that follows the whole-segment layout ----
# Keys: layout.doc, layout.byte_order, layout.total_size,
# layout.param.<name>.<attr>, layout.list.<name>.<attr> (and its params),
# layout.region.<region>.<attr> and layout.region.<region>.part.<part>.<attr>.
# _Diff.layout classifies every change of a layout.* fact as breaking, except
# the *.doc ones. The configuration's checks and the error codes are this
# library's policy, not the format: they are not facts.

def _layout_facts(put, schema):
    lay = schema.layout
    if lay is None:
        return
    put("layout.doc", lay.doc, lay.where, lay.line_of("doc"))
    put("layout.byte_order", lay.byte_order, lay.where, lay.line_of("byte_order"))
    put("layout.total_size", lay.total_size.text, lay.where, lay.line_of("total_size"))
    for p in lay.params:
        k = f"layout.param.{p.name}"
        put(f"{k}.type", str(p.type), p.where)
        put(f"{k}.field", p.field, p.where)
        put(f"{k}.doc", p.doc, p.where)
    for li in lay.lists:
        k = f"layout.list.{li.name}"
        put(f"{k}.count", li.count, li.where)
        put(f"{k}.count_field", li.count_field, li.where)
        put(f"{k}.max", li.max, li.where)
        put(f"{k}.doc", li.doc, li.where)
        for p in li.params:
            put(f"{k}.param.{p.name}.type", str(p.type), p.where)
            put(f"{k}.param.{p.name}.field", p.field, p.where)
            put(f"{k}.param.{p.name}.doc", p.doc, p.where)
    for i, r in enumerate(lay.regions):
        k = f"layout.region.{r.name}"
        put(f"{k}.order", i, r.where)
        put(f"{k}.struct", r.struct, r.where)
        put(f"{k}.count", r.count.text if r.count else None, r.where)
        put(f"{k}.each", r.each, r.where)
        put(f"{k}.offset", r.offset.text, r.where)
        put(f"{k}.size", r.size.text if r.size else None, r.where)
        put(f"{k}.stored", r.stored, r.where)
        put(f"{k}.doc", r.doc, r.where)
        for j, part in enumerate(r.parts):
            pk = f"{k}.part.{part.name}"
            put(f"{pk}.order", j, part.where)
            put(f"{pk}.struct", part.struct, part.where)
            put(f"{pk}.count", part.count.text if part.count else None, part.where)
            put(f"{pk}.size", part.size.text if part.size else None, part.where)
            put(f"{pk}.doc", part.doc, part.where)

# ---- End of the layout formulas -------------------------------------------


def _slug(name):
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())


def _plain(value):
    """The JSON form of a fact's value; bytes become lowercase hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---- The baseline file ------------------------------------------------------

@record
class Baseline:
    facts: dict
    segment_version: object
    grouped: object = None      # compat_diff.grouped(facts), when read through a cache


def changes(baseline, current):
    """diff() of a baseline and the schema's facts."""
    return diff(baseline.facts, current, baseline.grouped)


def baseline_text(current):
    """The baseline file for these facts: sorted keys, one fact per line."""
    version = current.get("constant.SEGMENT_VERSION.value")
    items = sorted(current.items())
    lines = [
        "{",
        '  "about": ' + json.dumps(
            "ABI baseline of the roam shared-memory segment: every fact a peer "
            "depends on, with where the schema states it. Written by "
            "'make compat-baseline'; 'make compat' compares the schema with it.") + ",",
        '  "facts": {',
    ]
    for i, (key, f) in enumerate(items):
        entry = json.dumps({"at": f.at, "value": f.value}, sort_keys=True,
                           ensure_ascii=False)
        lines.append(f"    {json.dumps(key)}: {entry}" + ("," if i + 1 < len(items) else ""))
    lines += [
        "  },",
        f'  "format": {FORMAT},',
        f'  "segment_version": {json.dumps(version.value if version else None)}',
        "}",
    ]
    return "\n".join(lines) + "\n"


def load_baseline(path, label=None, cache=None):
    """The Baseline in `path`, or None when there is no such file. Raises
    BaselineError, naming `label` (default: path), when it is unusable.
    `cache` (a cache.Cache) keeps a baseline that was read, with its facts
    grouped for diff, by the digest of its bytes and of the code that reads
    and groups it."""
    label = label or path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise BaselineError(f"{label}: cannot read the ABI baseline: {e}") from None
    key = None
    if cache is not None:
        from .cache import digest

        key = digest(data, *_code())
        kept = cache.get("baselines", key)
        if isinstance(kept, Baseline):
            return kept
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as e:
        raise BaselineError(f"{label}: cannot read the ABI baseline: {e}") from None
    baseline = _parse_baseline(text, label)
    if key is not None:
        baseline.grouped = grouped(baseline.facts)
        cache.put("baselines", key, baseline)
    return baseline


def _code():
    """The bytes of the code that makes a Baseline (a part of its cache key)."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    for name in ("compat.py", "compat_diff.py", "record.py"):
        with open(os.path.join(here, name), "rb") as f:
            out.append(f.read())
    return out


def _parse_baseline(text, label):
    fix = ("restore it from version control, or delete it and run "
           "'make compat-baseline' to record the schema as the baseline")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BaselineError(f"{label}:{e.lineno}: not valid JSON ({e.msg}); {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise BaselineError(f"{label}: not an ABI baseline (no 'facts' mapping); {fix}")
    if data.get("format") != FORMAT:
        raise BaselineError(f"{label}: baseline format {data.get('format')!r}, this "
                            f"generator reads format {FORMAT}; {fix}")
    out = {}
    for key, entry in data["facts"].items():
        if not (isinstance(entry, dict) and set(entry) == {"at", "value"}
                and isinstance(entry["at"], str) and _json_scalar(entry["value"])):
            raise BaselineError(f"{label}: fact '{key}' is not "
                                f'{{"at": "FILE:LINE", "value": V}} with V null, a '
                                f"boolean, an integer, a string or a list of strings; {fix}")
        out[key] = Fact(entry["value"], entry["at"])
    return Baseline(out, data.get("segment_version"))


def _json_scalar(v):
    """A fact's value: null, true/false, an integer, a string or a list of
    strings."""
    if isinstance(v, list):
        return all(isinstance(x, str) for x in v)
    return v is None or isinstance(v, (bool, int, str))


# ---- The format version -----------------------------------------------------

def version_problem(old, new):
    """None when the schema's format version was bumped consistently against
    the baseline: SEGMENT_VERSION went up and the magic's last byte is the new
    version. Otherwise the reason it was not."""
    ov = _value(old, "constant.SEGMENT_VERSION.value")
    nv = _value(new, "constant.SEGMENT_VERSION.value")
    magic = _value(new, "constant.MAGIC.value")
    if not isinstance(nv, int):
        return "the schema has no integer constant SEGMENT_VERSION"
    try:
        magic = bytes.fromhex(magic)
    except (TypeError, ValueError):
        magic = b""
    if not magic:
        return "the schema has no byte-string constant MAGIC"
    if isinstance(ov, int):
        if nv == ov:
            return f"SEGMENT_VERSION is still {nv}, as in the baseline"
        if nv < ov:
            return f"SEGMENT_VERSION went down from {ov} to {nv}"
    last = magic[-1]
    if last != nv:
        return (f"the magic's last byte is {last}, not the new SEGMENT_VERSION {nv}")
    return None


def _value(facts_, key):
    f = facts_.get(key)
    return f.value if f else None
