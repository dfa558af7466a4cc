"""The diff of two sets of ABI facts (compat.facts, or a baseline): every
difference classified as compatible or breaking, with its reason and the
`schema/FILE.yaml:LINE` of the fact (for a removal, the baseline's).

The rules, with the edge cases decided (renames, reserved bytes, new
transitions, ...), are the table in the README's section "Compatibility with
roam v7 peers"; each is one branch of _Diff below, and
codegen/tests/test_compat.py holds one case per rule."""

import json
from .record import record


@record(frozen=True)
class Difference:
    at: str
    breaking: bool
    reason: str

    @property
    def kind(self):
        return "breaking" if self.breaking else "compatible"

    def __str__(self):
        return f"{self.at}: {self.kind}: {self.reason}"


ORDER_STRENGTH = {
    "relaxed": frozenset(),
    "acquire": frozenset({"acquire"}),
    "release": frozenset({"release"}),
    "acq_rel": frozenset({"acquire", "release"}),
    "seq_cst": frozenset({"acquire", "release", "seq_cst"}),
}

DOC_ATTRS = {"doc", "rules"}


def diff(old, new, old_tree=None):
    """Every difference between baseline facts `old` and schema facts `new`,
    in schema order (removals at their baseline location). `old_tree`:
    `grouped(old)`, when the caller kept it."""
    if old.keys() == new.keys() and all(old[k].value == new[k].value for k in old):
        return []       # every rule below starts from a fact whose value changed
    d = _Diff(old_tree if old_tree is not None else _tree(old), _tree(new))
    d.run()
    return sorted(d.out, key=lambda x: (_where_key(x.at), x.reason))


def _where_key(at):
    path, _, line = at.rpartition(":")
    return (path, int(line) if line.isdigit() else 0)


def grouped(facts_):
    """The facts as diff groups them (kept with a baseline read before)."""
    return _tree(facts_)


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
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _all(v)
    else:
        yield obj


def _value(facts_, key):
    f = facts_.get(key)
    return f.value if f else None


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
            self.rmws(what, o["rmw"], n["rmw"], _value(oa, "store"))

    def rmws(self, fwhat, old, new, old_store=None):
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
                    # Any value may already be stored there: a compare-and-swap
                    # writes nothing a v7 peer could not already see.
                    self.add(_first(_all(n)), False, f"{what} added: a compare-and-swap "
                             f"{frm.value}->{to.value if to else '?'} on a field v7 "
                             f"peers already store any value in ({old_store})")
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
            return p[2] if len(p) == 4 and p[1] == "region" else None
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
