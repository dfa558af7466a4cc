"""ABI compatibility with roam v7 peers.

`facts` reduces a checked Schema to the facts a peer depends on, one flat
key per fact (`struct.peer_entry.field.state.load` = "acquire"), each with
the `schema/FILE.yaml:LINE` it comes from. `baseline_text` writes them as the
committed baseline (schema/abi-baseline.json); `load_baseline` reads it back.
`diff` compares a baseline with the schema and classifies every difference
as compatible or breaking, with its reason. `version_problem` says whether
the format version was bumped consistently, which is what allows a
breaking change to be recorded as the new baseline.

The rules, with the edge cases decided (renames, reserved bytes, new
transitions, ...), are the table in the README's section "Compatibility with
roam v7 peers"; each is one branch of _Diff below, and the tests in
codegen/tests/test_compat.py hold one case per rule.
"""

import json
import os
from dataclasses import dataclass

BASELINE_NAME = "abi-baseline.json"
FORMAT = 1


@dataclass(frozen=True)
class Fact:
    value: object       # JSON value: int, str, bool, None or a list of str
    at: str             # "schema/FILE.yaml:LINE"


@dataclass(frozen=True)
class Difference:
    at: str
    breaking: bool
    reason: str

    @property
    def kind(self):
        return "breaking" if self.breaking else "compatible"

    def __str__(self):
        return f"{self.at}: {self.kind}: {self.reason}"


class BaselineError(Exception):
    pass


# ---- Extraction -------------------------------------------------------------

def facts(schema, label="schema"):
    """{key: Fact} of every ABI fact of a checked schema. `label` is how the
    schema directory is named in locations (`schema/10-x.yaml:12`)."""
    out = {}

    def put(key, value, where, key_line=None):
        line = key_line if key_line is not None else where.line
        out[key] = Fact(_plain(value), f"{label}/{os.path.basename(where.path)}:{line}")

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
# Today the regions' offset and size are prose (schema.segment); their text
# is taken as the formula. When the schema gains `layout:` with offset/size
# expressions, only this function changes. Keys: layout.doc,
# layout.total_size, layout.<region>.<attr>; _Diff.layout classifies every
# change of a layout.* fact as breaking, except the *.doc ones. A new way of
# writing the same layout changes these facts without changing the ABI: once
# `make compat` shows nothing but layout.* differences, delete the baseline
# and run `make compat-baseline` to record it again.

def _layout_facts(put, schema):
    seg = schema.segment
    if seg is None:
        return
    put("layout.doc", seg.doc, seg.where)
    put("layout.total_size", seg.total_size, seg.where)
    for i, r in enumerate(seg.regions):
        k = f"layout.{_slug(r.name)}"
        put(f"{k}.order", i, r.where)
        put(f"{k}.struct", r.struct, r.where)
        put(f"{k}.count", str(r.count), r.where)
        put(f"{k}.at", r.at, r.where)
        put(f"{k}.offset", r.offset, r.where)
        put(f"{k}.size", r.size, r.where)
        put(f"{k}.doc", r.doc, r.where)

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

@dataclass
class Baseline:
    facts: dict
    segment_version: object


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


def load_baseline(path, label=None):
    """The Baseline in `path`, or None when there is no such file. Raises
    BaselineError, naming `label` (default: path), when it is unusable."""
    label = label or path
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{label}: cannot read the ABI baseline: {e}") from None
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


# ---- The diff -----------------------------------------------------------------

ORDER_STRENGTH = {
    "relaxed": frozenset(),
    "acquire": frozenset({"acquire"}),
    "release": frozenset({"release"}),
    "acq_rel": frozenset({"acquire", "release"}),
    "seq_cst": frozenset({"acquire", "release", "seq_cst"}),
}

DOC_ATTRS = {"doc", "rules"}


def diff(old, new):
    """Every difference between baseline facts `old` and schema facts `new`,
    in schema order (removals at their baseline location)."""
    d = _Diff(_tree(old), _tree(new))
    d.run()
    return sorted(d.out, key=lambda x: (_where_key(x.at), x.reason))


def _where_key(at):
    path, _, line = at.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)


def _tree(facts_):
    """Group flat facts by object: structs with fields and their rmw
    operations, constants, enums with values, flag sets with bits and
    exclusive pairs, layout facts and any key this module does not know."""
    t = {"struct": {}, "constant": {}, "enum": {}, "flags": {}, "layout": {}, "other": {}}
    for key, fact in facts_.items():
        p = key.split(".")
        n = len(p)
        if p[0] == "struct" and n == 3:
            _struct_of(t, p[1])["attrs"][p[2]] = fact
        elif p[0] == "struct" and n == 5 and p[2] == "field":
            _field_of(t, p[1], p[3])["attrs"][p[4]] = fact
        elif p[0] == "struct" and n == 7 and p[2] == "field" and p[4] == "rmw":
            _field_of(t, p[1], p[3])["rmw"].setdefault(p[5], {})[p[6]] = fact
        elif p[0] == "constant" and n == 3:
            t["constant"].setdefault(p[1], {})[p[2]] = fact
        elif p[0] in ("enum", "flags") and n == 3:
            _set_of(t, p[0], p[1])["attrs"][p[2]] = fact
        elif p[0] in ("enum", "flags") and n in (4, 5) \
                and p[2] == ("values" if p[0] == "enum" else "bits"):
            m = _set_of(t, p[0], p[1])["members"].setdefault(p[3], {})
            m["number" if n == 4 else p[4]] = fact
        elif p[0] == "flags" and n == 5 and p[2] == "exclusive":
            _set_of(t, p[0], p[1])["pairs"][(p[3], p[4])] = fact
        elif p[0] == "layout":
            t["layout"][key] = fact
        else:
            t["other"][key] = fact
    return t


def _struct_of(t, name):
    return t["struct"].setdefault(name, {"attrs": {}, "fields": {}})


def _field_of(t, struct, name):
    return _struct_of(t, struct)["fields"].setdefault(name, {"attrs": {}, "rmw": {}})


def _set_of(t, kind, name):
    return t[kind].setdefault(name, {"attrs": {}, "members": {}, "pairs": {}})


def _first(facts_):
    """Location of a whole object: its earliest fact."""
    return min((f.at for f in facts_), key=_where_key)


def _all(obj):
    """Every Fact inside one object of a _tree."""
    if isinstance(obj, Fact):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all(v)


def _show(value):
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _bytes_text(hexstr):
    try:
        data = bytes.fromhex(hexstr)
    except (TypeError, ValueError):
        return _show(hexstr)
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\'
                         else f"\\x{b:02x}" for b in data) + '"'


def _bytes(attrs):
    """(first, end) byte range of a field's attrs, or None if unknown."""
    off, size = attrs.get("offset"), attrs.get("size")
    if off is None or size is None or not isinstance(off.value, int) \
            or not isinstance(size.value, int):
        return None
    return off.value, off.value + size.value


def _span(r):
    return f"bytes {r[0]}..{r[1] - 1}"


def _is(attrs, key):
    f = attrs.get(key)
    return bool(f and f.value is True)


class _Diff:
    def __init__(self, old, new):
        self.old, self.new = old, new
        self.out = []

    def add(self, at, breaking, reason):
        self.out.append(Difference(at, breaking, reason))

    def run(self):
        self.structs()
        self.constants()
        self.enums("enum")
        self.enums("flags")
        self.layout()
        self.generic(self.old["other"], self.new["other"], "fact")

    # -- generic helpers --

    def doc_change(self, fact, what, attr, old):
        if attr == "doc":
            self.add(fact.at, False, f"doc of {what} changed")
        else:
            self.add(fact.at, False, f"{attr} of {what} changed from "
                     f"{_show(old.value)} to {_show(fact.value)}")

    def changed(self, o, n):
        """(attr, old Fact or None, new Fact or None) of each differing attr."""
        for attr in sorted(set(o) | set(n)):
            a, b = o.get(attr), n.get(attr)
            if a is None or b is None or a.value != b.value:
                yield attr, a, b

    def ordering(self, fact, what, old, new):
        a = ORDER_STRENGTH.get(old) if isinstance(old, str) else None
        b = ORDER_STRENGTH.get(new) if isinstance(new, str) else None
        if a is None or b is None:
            self.add(fact.at, True, f"{what} changed from {_show(old)} to {_show(new)}")
        elif b >= a:
            self.add(fact.at, False, f"{what} strengthened from {old} to {new}")
        else:
            self.add(fact.at, True, f"{what} weakened from {old} to {new}: "
                     f"v7 peers rely on {old}")

    def generic(self, old, new, what):
        for key, a, b in self.changed(old, new):
            if key.endswith(".doc"):
                self.add((b or a).at, False, f"doc of {what} '{key}' changed")
            elif b is None:
                self.add(a.at, True, f"{what} '{key}' removed (was {_show(a.value)})")
            elif a is None:
                self.add(b.at, True, f"{what} '{key}' added ({_show(b.value)}): "
                         "an unrecognised fact cannot be judged compatible")
            else:
                self.add(b.at, True, f"{what} '{key}' changed from "
                         f"{_show(a.value)} to {_show(b.value)}")

    # -- structs and fields --

    def structs(self):
        old, new = self.old["struct"], self.new["struct"]
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            if n is None:
                self.add(_first(_all(o)), True, f"struct '{name}' removed: "
                         "v7 peers still use it")
            elif o is None:
                self.add(_first(_all(n)), False, f"struct '{name}' added: v7 peers "
                         "do not use it (placing it in the segment is a layout change)")
            else:
                self.struct(name, o, n)

    def struct(self, name, o, n):
        what = f"struct '{name}'"
        for attr, a, b in self.changed(o["attrs"], n["attrs"]):
            if attr in DOC_ATTRS and a and b:
                self.doc_change(b, what, attr, a)
            elif attr in ("size", "align") and a and b:
                self.add(b.at, True, f"{what} {attr} changed from {a.value} to "
                         f"{b.value}{' bytes' if attr == 'size' else ''}")
            else:
                self.generic({attr: a} if a else {}, {attr: b} if b else {},
                             f"{what} fact")
        self.fields(name, o["fields"], n["fields"])

    def fields(self, sname, old, new):
        # Bytes the baseline reserved, and which baseline field used each
        # other byte.
        reserved, used = set(), {}
        for fname, f in old.items():
            r = _bytes(f["attrs"])
            if r is None:
                continue
            if _is(f["attrs"], "reserved"):
                reserved.update(range(*r))
            else:
                for b in range(*r):
                    used[b] = fname
        renamed = self.renames(old, new)     # new name -> old name
        for fname in sorted(new, key=lambda x: _first(_all(new[x]))):
            n = new[fname]
            oname = fname if fname in old else renamed.get(fname)
            o = old.get(oname) if oname else None
            what = f"field '{sname}.{fname}'"
            if o is None or (_is(o["attrs"], "reserved") and not _is(n["attrs"], "reserved")):
                self.new_field(sname, fname, n, reserved, used, o is not None)
            elif _is(o["attrs"], "reserved") and _is(n["attrs"], "reserved"):
                self.reserved_field(sname, fname, o, n, reserved, used)
            elif _is(n["attrs"], "reserved"):
                self.add(_first(_all(n)), True, f"{what} made reserved: v7 peers "
                         "still read and write it")
            else:
                if oname != fname:
                    self.add(_first(_all(n)), False, f"field '{sname}.{oname}' renamed "
                             f"to '{fname}': same bytes and type, peers see no change")
                self.field(sname, fname, o, n)
        gone = set(old) - set(new) - set(renamed.values())
        for fname in sorted(gone):
            o = old[fname]
            r = _bytes(o["attrs"])
            at = _first(_all(o))
            if not _is(o["attrs"], "reserved"):
                self.add(at, True, f"field '{sname}.{fname}' removed: v7 peers still "
                         f"read and write {_span(r) if r else 'it'}")
                continue
            takers = self.takers(new, old, r)
            if takers:
                self.add(at, True, f"reserved field '{sname}.{fname}' removed: its "
                         f"bytes now hold '{sname}.{takers[0]}', a field v7 peers "
                         "place elsewhere")
            else:
                self.add(at, False, f"reserved field '{sname}.{fname}' ({_span(r)}) "
                         "removed: its bytes now hold new fields")

    def renames(self, old, new):
        """Fields that kept their bytes and type under a new name."""
        def key(attrs):
            return tuple(json.dumps(attrs[k].value) if k in attrs else None
                         for k in ("offset", "size", "type"))
        gone = {key(f["attrs"]): name for name, f in old.items()
                if name not in new and not _is(f["attrs"], "reserved")}
        return {name: gone[key(f["attrs"])] for name, f in new.items()
                if name not in old and not _is(f["attrs"], "reserved")
                and key(f["attrs"]) in gone}

    def takers(self, new, old, r):
        """Baseline fields (not reserved) that now sit in the byte range r."""
        out = []
        for fname, f in new.items():
            nr = _bytes(f["attrs"])
            if nr is None or fname not in old or _is(old[fname]["attrs"], "reserved"):
                continue
            if nr[0] < r[1] and r[0] < nr[1]:
                out.append(fname)
        return sorted(out)

    def new_field(self, sname, fname, n, reserved, used, was_reserved):
        """A field that v7 peers do not know: compatible only in bytes the
        baseline reserved (they are zero in every v7 segment)."""
        attrs = n["attrs"]
        r = _bytes(attrs)
        what = f"field '{sname}.{fname}'"
        at = _first(_all(n))
        res = _is(attrs, "reserved")
        if res:
            kind = "reserved field"
        elif "type" in attrs:
            kind = f"{attrs['type'].value} field"
        else:
            kind = "field"
        head = f"{what} turned from reserved into a" if was_reserved else f"{what} added: a"
        if r is None:
            self.add(at, True, f"{head} {kind} at an unknown place")
            return
        outside = [b for b in range(*r) if b not in reserved]
        if not outside:
            tail = "" if res else ("; v7 peers leave them zero, so zero must "
                                   "mean absent")
            self.add(at, False, f"{head} {kind} in {_span(r)}, reserved in the "
                     f"baseline{tail}")
            return
        users = sorted({used[b] for b in outside if b in used})
        if users:
            self.add(at, True, f"{head} {kind} in {_span(r)}, which v7 peers use "
                     f"for '{sname}.{users[0]}'")
        else:
            self.add(at, True, f"{head} {kind} in {_span(r)}, past the end of the "
                     "baseline's struct")

    def reserved_field(self, sname, fname, o, n, reserved, used):
        what = f"reserved field '{sname}.{fname}'"
        ro, rn = _bytes(o["attrs"]), _bytes(n["attrs"])
        for attr, a, b in self.changed(o["attrs"], n["attrs"]):
            if attr in DOC_ATTRS and a and b:
                self.doc_change(b, what, attr, a)
            elif ro is None or rn is None:     # a baseline without its bytes
                self.add((b or a).at, True, f"{what} {attr} changed from "
                         f"{_show(a and a.value)} to {_show(b and b.value)}")

        def at(key):
            f = n["attrs"].get(key)
            return f.at if f else _first(_all(n))
        if ro is None or rn is None:
            return
        if ro == rn:
            ot, nt = _value(o["attrs"], "type"), _value(n["attrs"], "type")
            if ot != nt:
                self.add(at("type"), False, f"{what} retyped from {_show(ot)} to "
                         f"{_show(nt)}: still zero")
            return
        at = at("offset") if ro[0] != rn[0] else at("type")
        outside = [b for b in range(*rn) if b not in reserved]
        if not outside:
            self.add(at, False, f"{what} now {_span(rn)} (was {_span(ro)}); the "
                     "bytes it gave up hold new fields")
            return
        users = sorted({used[b] for b in outside if b in used})
        if users:
            over = f"bytes v7 peers use for '{sname}.{users[0]}'"
        else:
            over = "bytes past the end of the baseline's struct"
        self.add(at, True, f"{what} now {_span(rn)} (was {_span(ro)}), over {over}")

    def field(self, sname, fname, o, n):
        what = f"field '{sname}.{fname}'"
        oa, na = o["attrs"], n["attrs"]
        atomic_changed = _is(oa, "atomic") != _is(na, "atomic")
        for attr, a, b in self.changed(oa, na):
            at = (b or a).at
            if attr in DOC_ATTRS and a and b:
                self.doc_change(b, what, attr, a)
            elif a is None or b is None:
                if attr in ("load", "store") and atomic_changed:
                    continue
                self.add(at, True, f"{what}: {attr} "
                         f"{'removed' if b is None else 'added'} "
                         f"({_show((b or a).value)})")
            elif attr == "offset":
                self.add(at, True, f"{what} moved from offset {a.value} to {b.value}")
            elif attr == "size":
                self.add(at, True, f"{what} resized from {a.value} to {b.value} bytes")
            elif attr == "type":
                self.add(at, True, f"{what} retyped from {a.value} to {b.value}")
            elif attr == "atomic":
                if b.value:
                    self.add(at, False, f"{what} made atomic (load {_value(na, 'load')}, "
                             f"store {_value(na, 'store')}): stronger than the plain "
                             "access of v7 peers")
                else:
                    self.add(at, True, f"{what} no longer atomic (was load "
                             f"{_value(oa, 'load')}, store {_value(oa, 'store')}): v7 "
                             "peers access it atomically")
            elif attr in ("load", "store"):
                self.ordering(b, f"{what} {attr} ordering", a.value, b.value)
            elif attr == "writer":
                self.add(at, True, f"{what} writer changed from {a.value} to "
                         f"{b.value}: v7 peers rely on who writes it")
            elif attr == "default":
                was = ("take 0 literally" if a.value is None
                       else f"read 0 as {a.value}")
                self.add(at, True, f"{what} default changed from {_show(a.value)} to "
                         f"{_show(b.value)}: v7 peers {was}")
            elif attr in ("enum", "flags"):
                self.add(at, True, f"{what} {attr} changed from {_show(a.value)} to "
                         f"{_show(b.value)}: the values it may hold change")
            else:
                self.add(at, True, f"{what} {attr} changed from {_show(a.value)} to "
                         f"{_show(b.value)}")
        if not atomic_changed:
            self.rmws(what, o["rmw"], n["rmw"])

    def rmws(self, fwhat, old, new):
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            what = f"rmw '{name}' of {fwhat}"
            if n is None:
                self.add(_first(_all(o)), True, f"{what} removed: v7 peers still "
                         "perform it")
                continue
            if o is None:
                frm, to = n.get("from"), n.get("to")
                op = n["op"].value if "op" in n else "?"
                if frm is not None and frm.value is not None:
                    self.add(_first(_all(n)), True, f"{what} added: a new transition "
                             f"{frm.value}->{to.value if to else '?'} that v7 peers "
                             "do not expect")
                else:
                    self.add(_first(_all(n)), False, f"{what} ({op}) added on a field "
                             "v7 peers already access atomically")
                continue
            op_changed = _value(o, "op") != _value(n, "op")
            for attr, a, b in self.changed(o, n):
                at = (b or a).at
                if attr == "doc" and a and b:
                    self.doc_change(b, what, attr, a)
                elif attr == "op":
                    self.add(at, True, f"{what} op changed from {_show(a and a.value)} "
                             f"to {_show(b and b.value)}")
                elif op_changed:
                    continue
                elif attr in ("order", "success", "failure") and a and b \
                        and a.value is not None and b.value is not None:
                    self.ordering(b, f"{what} {attr} ordering", a.value, b.value)
                else:
                    self.add(at, True, f"{what} {attr} changed from "
                             f"{_show(a and a.value)} to {_show(b and b.value)}")

    # -- constants --

    def constants(self):
        old, new = self.old["constant"], self.new["constant"]
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            what = f"constant '{name}'"
            if n is None:
                v = o.get("value")
                self.add(_first(_all(o)), True, f"{what} removed: v7 peers still rely "
                         f"on its value {self.constant_text(o, v.value) if v else ''}"
                         .rstrip())
                continue
            if o is None:
                v = n.get("value")
                self.add(_first(_all(n)), False, f"{what} added"
                         + (f" ({self.constant_text(n, v.value)})" if v else ""))
                continue
            value_changed = o.get("value") is None or n.get("value") is None \
                or o["value"].value != n["value"].value
            for attr, a, b in self.changed(o, n):
                at = (b or a).at
                if attr in DOC_ATTRS and a and b:
                    self.doc_change(b, what, attr, a)
                elif attr == "value" and a and b:
                    old_t, new_t = self.constant_text(o, a.value), self.constant_text(n, b.value)
                    if name == "SEGMENT_VERSION":
                        why = "a new format version, which v7 peers reject"
                    elif name == "MAGIC":
                        why = "v7 peers reject a segment with another magic"
                    else:
                        why = f"v7 peers use {old_t}"
                    self.add(at, True, f"{what} changed from {old_t} to {new_t}: {why}")
                elif attr == "expr" and not value_changed:
                    self.add(at, False, f"{what} now given by {_show(b and b.value)} "
                             f"(was {_show(a and a.value)}); its value is unchanged")
                elif attr == "expr":
                    continue
                elif attr == "type" and a and b:
                    self.add(at, True, f"{what} retyped from {a.value} to {b.value}")
                else:
                    self.add(at, True, f"{what} {attr} changed from "
                             f"{_show(a and a.value)} to {_show(b and b.value)}")

    @staticmethod
    def constant_text(c, value):
        t = c.get("type")
        if t and isinstance(t.value, str) and "[" in t.value:
            return _bytes_text(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0x10000:
            return f"0x{value:X}"
        return _show(value)

    # -- enums and flag sets --

    def enums(self, kind):
        old, new = self.old[kind], self.new[kind]
        noun = "enum" if kind == "enum" else "flag set"
        member = "enum value" if kind == "enum" else "flag bit"
        for name in sorted(set(old) | set(new)):
            o, n = old.get(name), new.get(name)
            what = f"{noun} '{name}'"
            if n is None:
                self.add(_first(_all(o)), True, f"{what} removed: v7 peers still use "
                         "its values")
                continue
            if o is None:
                self.add(_first(_all(n)), False, f"{what} added")
                continue
            for attr, a, b in self.changed(o["attrs"], n["attrs"]):
                at = (b or a).at
                if attr in DOC_ATTRS and a and b:
                    self.doc_change(b, what, attr, a)
                elif attr == "type" and a and b:
                    self.add(at, True, f"{what} retyped from {a.value} to {b.value}")
                else:
                    self.add(at, True, f"{what} {attr} changed from "
                             f"{_show(a and a.value)} to {_show(b and b.value)}")
            renamed = self.members(name, member, kind, o["members"], n["members"])
            if kind == "flags":
                self.pairs(name, o, n, renamed)

    def members(self, ename, member, kind, old, new):
        """Compare values (or bits); returns {old name: new name} of renames."""
        unit = "value" if kind == "enum" else "bit"

        def number(m):
            f = m.get("number")
            return f.value if f and isinstance(f.value, int) else None
        gone = {number(m): nm for nm, m in old.items()
                if nm not in new and number(m) is not None}
        renamed = {}
        for nm in sorted(new, key=lambda x: _first(_all(new[x]))):
            n = new[nm]
            what = f"{member} '{ename}.{nm}'"
            num = n.get("number")
            if nm not in old:
                was = gone.get(number(n))
                if was is not None and number(n) is not None:
                    renamed[was] = nm
                    self.add(num.at, False, f"{member} '{ename}.{was}' renamed to "
                             f"'{nm}' ({unit} {number(n)} unchanged)")
                    o = old[was]
                elif kind == "enum":
                    self.add(_first(_all(n)), False, f"{what} = {number(n)} added "
                             "(v7 peers never write it)")
                    continue
                else:
                    self.add(_first(_all(n)), False, f"{what} = bit {number(n)} added "
                             "(v7 peers never set it)")
                    continue
            else:
                o = old[nm]
            for attr, a, b in self.changed(o, n):
                at = (b or a).at
                if attr == "doc" and a and b:
                    self.doc_change(b, what, attr, a)
                elif attr == "number" and a and b:
                    verb = "renumbered" if kind == "enum" else "moved"
                    self.add(at, True, f"{what} {verb} from {a.value} to {b.value}")
                elif attr != "number" or not (a and b):
                    self.add(at, True, f"{what} {attr} changed from "
                             f"{_show(a and a.value)} to {_show(b and b.value)}")
        for nm in sorted(set(old) - set(new) - set(renamed)):
            f = old[nm].get("number")
            self.add(_first(_all(old[nm])), True, f"{member} '{ename}.{nm}'"
                     + (f" = {f.value}" if f else "") + " removed: v7 peers still "
                     + ("write it" if kind == "enum" else "set it"))
        return renamed

    def pairs(self, name, o, n, renamed):
        def rename(pair):
            return tuple(sorted(renamed.get(x, x) for x in pair))
        old = {rename(p): f for p, f in o["pairs"].items()}
        new = n["pairs"]
        known = {renamed.get(b, b) for b in o["members"]}
        for pair in sorted(set(old) | set(new)):
            a, b = pair
            if pair not in new:
                self.add(old[pair].at, True, f"flag bits '{name}.{a}' and '{name}.{b}' "
                         "may now be set together: v7 peers reject that")
            elif pair not in old:
                if a in known and b in known:
                    self.add(new[pair].at, True, f"flag bits '{name}.{a}' and "
                             f"'{name}.{b}' may no longer be set together: v7 peers "
                             "may set both")
                else:
                    self.add(new[pair].at, False, f"flag bits '{name}.{a}' and "
                             f"'{name}.{b}' are exclusive: one of them is new")

    # -- layout formulas --

    def layout(self):
        old, new = self.old["layout"], self.new["layout"]

        def region(key):
            p = key.split(".")
            return p[1] if len(p) == 3 else None
        regions_old = {region(k) for k in old} - {None}
        regions_new = {region(k) for k in new} - {None}
        for r in sorted(regions_old - regions_new):
            self.add(_first(f for k, f in old.items() if region(k) == r), True,
                     f"layout region '{r}' removed: v7 peers still expect it")
        for r in sorted(regions_new - regions_old):
            self.add(_first(f for k, f in new.items() if region(k) == r), True,
                     f"layout region '{r}' added: v7 peers do not expect it")
        for key, a, b in self.changed(old, new):
            if region(key) in regions_old ^ regions_new:
                continue
            if key.endswith(".doc"):
                self.add((b or a).at, False, f"doc of layout '{key}' changed")
            else:
                self.add((b or a).at, True, f"layout formula '{key}' changed from "
                         f"{_show(a and a.value)} to {_show(b and b.value)}")
