"""Semantic checks of a shape-correct Schema: names, layouts, atomics,
enums, flags, constants and the segment overview."""

import keyword
import re

from . import language, layout, names, reserved
from .derive import derive_constants

# The facts below are the language's own: codegen/schema-language.json.
LOWER = re.compile(language.pattern("lower_name"))
UPPER = re.compile(language.pattern("upper_name"))
RULE = re.compile(language.definition("rules")["items"]["pattern"])

_BELOW_SPACE = re.compile(r"[\x00-\x1f]")     # what an error message may not hold

WRITERS = language.described("field", "writer")

LOAD_ORDERS = set(language.allowed("atomic", "load"))
STORE_ORDERS = set(language.allowed("atomic", "store"))
RMW_ORDERS = set(language.allowed("rmw", "order"))
FAILURE_ORDERS = set(language.allowed("rmw", "failure"))
RMW_OPS = set(language.allowed("rmw", "op"))
FETCH_OPS = RMW_OPS - {"cas"}
_STRENGTH = {"relaxed": 0, "acquire": 1, "release": 1, "acq_rel": 2, "seq_cst": 3}

CACHE_LINE = 64


def check(errs, schema):
    derive_constants(errs, schema)
    _check_constants(errs, schema)
    _check_enums(errs, schema)
    _check_flags(errs, schema)
    _duplicates(errs, [(s.name, s.where) for s in schema.structs], "struct")
    for s in schema.structs:
        _check_struct(errs, schema, s)
    _check_errors(errs, schema)
    _check_layout_section(errs, schema)
    _check_unique(errs, schema)


def _name(errs, where, name, pattern, what, bare=False):
    """`bare`: the generated C writes the name as it is (a struct member)."""
    style = "lower_snake_case" if pattern is LOWER else "UPPER_SNAKE_CASE"
    if not pattern.match(name):
        errs.add(where.path, where.line, f"{what}: name '{name}' must be {style}")
    elif reserved.why(name, bare):
        errs.add(where.path, where.line, f"{what}: name '{name}' is "
                 f"{reserved.why(name, bare)}; the generated C cannot use it")
    elif keyword.iskeyword(name):
        errs.add(where.path, where.line, f"{what}: name '{name}' is a Python keyword, "
                 "which constant expressions cannot name")


def _rules(errs, path, line, rules, what):
    for r in rules:
        if not RULE.match(r):
            errs.add(path, line, f"{what}: rule id '{r}' is not of the form a.b.c")


def _duplicates(errs, items, what):
    seen = {}
    for name, where in items:
        if name in seen:
            first = seen[name]
            errs.add(where.path, where.line, f"duplicate {what} '{name}' "
                     f"(first at {first.path}:{first.line})")
        else:
            seen[name] = where


def _check_constants(errs, schema):
    _duplicates(errs, [(c.name, c.where) for c in schema.constants], "constant")
    for c in schema.constants:
        what = f"constant '{c.name}'"
        _name(errs, c.where, c.name, UPPER, what)
        _rules(errs, c.where.path, c.line_of("rules"), c.rules, what)
        value_line = c.line_of("expr" if c.expr is not None else "value")
        if c.type.is_array:
            if c.type.base != "u8" or not isinstance(c.value, bytes):
                errs.add(c.where.path, c.line_of("type"),
                         f"{what}: an array constant must be u8[N] with a string value")
            elif len(c.value) != c.type.count:
                errs.add(c.where.path, value_line,
                         f"{what}: value has {len(c.value)} bytes, type {c.type} "
                         f"needs {c.type.count}")
        elif not isinstance(c.value, int):
            errs.add(c.where.path, value_line,
                     f"{what}: a {c.type} constant needs an integer value")
        elif not 0 <= c.value <= c.type.max_value:
            errs.add(c.where.path, value_line,
                     f"{what}: value {c.value} does not fit in {c.type}")


def _check_enums(errs, schema):
    _duplicates(errs, [(e.name, e.where) for e in schema.enums + schema.flags],
                "enum or flags")
    for e in schema.enums:
        what = f"enum '{e.name}'"
        _name(errs, e.where, e.name, LOWER, what)
        if e.type.is_array or e.type.bits > 32:
            errs.add(e.where.path, e.line_of("type"), f"{what}: type must be u8, u16 "
                     f"or u32 (the generated helpers take uint32_t), not {e.type}")
        if not e.values:
            errs.add(e.where.path, e.line_of("values"), f"{what}: has no values")
        _duplicates(errs, [(v.name, v.where) for v in e.values], f"{what} value name")
        _duplicates(errs, [(str(v.value), v.where) for v in e.values], f"{what} value")
        for v in e.values:
            _name(errs, v.where, v.name, UPPER, f"{what} value")
            if not 0 <= v.value <= e.type.max_value:
                errs.add(v.where.path, v.where.line,
                         f"{what}: value {v.name}={v.value} does not fit in {e.type}")


def _check_flags(errs, schema):
    for fl in schema.flags:
        what = f"flags '{fl.name}'"
        _name(errs, fl.where, fl.name, LOWER, what)
        if fl.type.is_array or fl.type.bits > 32:
            errs.add(fl.where.path, fl.line_of("type"), f"{what}: type must be u8, u16 "
                     f"or u32 (the generated helpers take uint32_t), not {fl.type}")
        if not fl.bits:
            errs.add(fl.where.path, fl.line_of("bits"), f"{what}: has no bits")
        _duplicates(errs, [(b.name, b.where) for b in fl.bits], f"{what} bit name")
        _duplicates(errs, [(str(b.bit), b.where) for b in fl.bits], f"{what} bit")
        for b in fl.bits:
            _name(errs, b.where, b.name, UPPER, f"{what} bit")
            if not 0 <= b.bit < fl.type.bits:
                errs.add(b.where.path, b.where.line,
                         f"{what}: bit {b.name}={b.bit} does not fit in {fl.type}")
        known = {b.name for b in fl.bits}
        for group, line in fl.exclusive:
            for n in group:
                if n not in known:
                    errs.add(fl.where.path, line,
                             f"{what}: exclusive names unknown bit '{n}'")


def _check_struct(errs, schema, s):
    what = f"struct '{s.name}'"
    path = s.where.path
    _name(errs, s.where, s.name, LOWER, what)
    _rules(errs, path, s.line_of("rules"), s.rules, what)
    if s.align <= 0 or s.align & (s.align - 1):
        errs.add(path, s.line_of("align"), f"{what}: align {s.align} is not a power of two")
    elif s.align < s.natural_align:
        errs.add(path, s.line_of("align"), f"{what}: align {s.align} is below the "
                 f"alignment of its widest field ({s.natural_align})")
    elif s.size % s.align:
        errs.add(path, s.line_of("size"),
                 f"{what}: size {s.size} is not a multiple of align {s.align}")
    if not s.fields:
        errs.add(path, s.where.line, f"{what}: has no fields")
        return
    _duplicates(errs, [(f.name, f.where) for f in s.fields], f"{what} field")
    for f in s.fields:
        _check_field(errs, schema, s, f)
    _check_layout(errs, s)


def _check_layout(errs, s):
    """Fields in offset order, no overlap, no undeclared gap, sum == size."""
    path = s.where.path
    if any(f.offset < 0 for f in s.fields):
        return      # already reported
    prev = None
    last = None     # the field that reaches furthest so far
    end = 0
    for f in s.fields:
        fw = f"field '{s.name}.{f.name}'"
        line = f.line_of("offset")
        if prev is not None and f.offset < prev.offset:
            errs.add(path, line, f"{fw}: offset {f.offset} comes after "
                     f"'{prev.name}' at {prev.offset}; list fields in offset order")
            return
        if f.offset < end:
            errs.add(path, line, f"{fw}: bytes {f.offset}..{f.end - 1} overlap "
                     f"'{last.name}' (bytes {last.offset}..{last.end - 1})")
        elif f.offset > end:
            errs.add(path, line, f"{fw}: gap of {f.offset - end} bytes at offset "
                     f"{end} before it; declare the gap as a reserved field")
        if f.end > end:
            end, last = f.end, f
        prev = f
    if end > s.size:
        errs.add(path, last.line_of("offset"), f"field '{s.name}.{last.name}': "
                 f"ends at {end}, past the struct size {s.size}")
    elif end < s.size:
        errs.add(path, s.line_of("size"), f"struct '{s.name}': fields add up to "
                 f"{end} bytes but size is {s.size}; declare the tail as a "
                 "reserved field")


def _check_field(errs, schema, s, f):
    what = f"field '{s.name}.{f.name}'"
    path = f.where.path
    _name(errs, f.where, f.name, LOWER, what, bare=True)
    _rules(errs, path, f.line_of("rules"), f.rules, what)
    if f.offset < 0:
        errs.add(path, f.line_of("offset"), f"{what}: offset {f.offset} is negative")
    elif f.offset % f.type.align:
        errs.add(path, f.line_of("offset"), f"{what}: offset {f.offset} is not a "
                 f"multiple of {f.type.align}, the natural alignment of {f.type}")
    if f.writer not in WRITERS:
        errs.add(path, f.line_of("writer"), f"{what}: unknown writer '{f.writer}' "
                 f"(one of: {', '.join(WRITERS)})")
    if f.line_start and f.offset % CACHE_LINE:
        errs.add(path, f.line_of("line_start"), f"{what}: must start a new "
                 f"{CACHE_LINE}-byte cache line but offset {f.offset} does not")
    if f.reserved:
        for key in ("atomic", "default", "enum", "flags"):
            if key in f.keys:
                errs.add(path, f.line_of(key), f"{what}: a reserved field cannot "
                         f"have '{key}'")
        if f.writer != "none":
            errs.add(path, f.line_of("writer"), f"{what}: a reserved field's writer "
                     "must be 'none'")
    elif f.writer == "none":
        errs.add(path, f.line_of("writer"), f"{what}: writer 'none' is only for "
                 "reserved fields")
    if f.atomic:
        _check_atomic(errs, schema, s, f)
    if f.default is not None:
        if f.atomic or f.type.is_array:
            errs.add(path, f.line_of("default"), f"{what}: 'default' needs a plain "
                     "scalar field")
        elif isinstance(f.default, str):
            c = schema.constant(f.default)
            if c is None:
                errs.add(path, f.line_of("default"), f"{what}: default names unknown "
                         f"constant '{f.default}'")
            elif not isinstance(c.value, int) or c.value == 0 \
                    or c.value > f.type.max_value:
                errs.add(path, f.line_of("default"), f"{what}: default constant "
                         f"'{f.default}' must be a non-zero value that fits {f.type}")
        elif not 0 < f.default <= f.type.max_value:
            errs.add(path, f.line_of("default"), f"{what}: default {f.default} must "
                     f"be non-zero and fit {f.type} (0 is what selects the default)")
    for key, lookup, kind in (("enum", schema.enum, "enum"),
                              ("flags", schema.flagset, "flags")):
        ref = getattr(f, key)
        if ref is None:
            continue
        target = lookup(ref)
        if target is None:
            errs.add(path, f.line_of(key), f"{what}: unknown {kind} '{ref}'")
        elif target.type != f.type:
            errs.add(path, f.line_of(key), f"{what}: type {f.type} differs from "
                     f"{kind} '{ref}' type {target.type}")
    if f.enum and f.flags:
        errs.add(path, f.line_of("flags"), f"{what}: cannot have both enum and flags")


def _check_atomic(errs, schema, s, f):
    what = f"field '{s.name}.{f.name}'"
    a = f.atomic
    path = f.where.path
    if f.type.is_array or f.type.size not in (4, 8):
        errs.add(path, f.line_of("atomic"), f"{what}: atomic fields must be 4 or 8 "
                 f"bytes (u32 or u64), not {f.type}")
    if a.load not in LOAD_ORDERS:
        errs.add(path, a.line_of("load"), f"{what}: load ordering '{a.load}' must be one "
                 f"of {', '.join(sorted(LOAD_ORDERS))}")
    if a.store not in STORE_ORDERS:
        errs.add(path, a.line_of("store"), f"{what}: store ordering '{a.store}' must be "
                 f"one of {', '.join(sorted(STORE_ORDERS))}")
    _duplicates(errs, [(r.name, r.where) for r in a.rmw], f"{what} rmw")
    enum = schema.enum(f.enum) if f.enum else None
    for r in a.rmw:
        rw = f"{what} rmw '{r.name}'"
        line = r.line_of
        _name(errs, r.where, r.name, LOWER, rw)
        if r.op not in RMW_OPS:
            errs.add(path, line("op"), f"{rw}: unknown op '{r.op}' "
                     f"(one of: {', '.join(sorted(RMW_OPS))})")
            continue
        if r.op == "cas":
            if r.order is not None:
                errs.add(path, line("order"), f"{rw}: cas takes 'success' and "
                         "'failure', not 'order'")
            ok = _ordering(errs, path, line, rw, "success", r.success, RMW_ORDERS)
            if _ordering(errs, path, line, rw, "failure", r.failure, FAILURE_ORDERS) \
                    and ok and _STRENGTH[r.failure] > _STRENGTH[r.success]:
                errs.add(path, line("failure"), f"{rw}: failure ordering "
                         f"'{r.failure}' is stronger than success ordering "
                         f"'{r.success}'")
            if (r.from_ is None) != (r.to is None):
                errs.add(path, r.where.line, f"{rw}: give both 'from' and 'to', "
                         "or neither")
            elif r.from_ is not None:
                if f.enum is None:
                    errs.add(path, line("from"), f"{rw}: 'from'/'to' need the "
                             "field to have an enum")
                elif enum is not None:      # an unknown enum is reported already
                    for key, v in (("from", r.from_), ("to", r.to)):
                        if v not in {x.name for x in enum.values}:
                            errs.add(path, line(key), f"{rw}: {key} '{v}' is not "
                                     f"a value of enum '{enum.name}'")
        else:
            for key, val in (("from", r.from_), ("to", r.to), ("success", r.success),
                             ("failure", r.failure)):
                if val is not None:
                    errs.add(path, line(key), f"{rw}: '{key}' is only for cas")
            _ordering(errs, path, line, rw, "order", r.order, RMW_ORDERS)


def _ordering(errs, path, line, what, key, value, allowed):
    """Report a missing or unknown memory ordering; True when it is usable."""
    if value is None:
        errs.add(path, line(key), f"{what}: needs '{key}' (one of "
                 f"{', '.join(sorted(allowed))})")
        return False
    if value not in allowed:
        label = "ordering" if key == "order" else f"{key} ordering"
        errs.add(path, line(key), f"{what}: {label} '{value}' must be one "
                 f"of {', '.join(sorted(allowed))}")
        return False
    return True


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def message_text(schema, err):
    """An error's message with every {CONSTANT} replaced by its value."""
    def sub(m):
        c = schema.constant(m.group(1))
        return str(c.value) if c is not None and isinstance(c.value, int) else m.group(0)
    return PLACEHOLDER.sub(sub, err.message)


def _check_errors(errs, schema):
    _duplicates(errs, [(e.name, e.where) for e in schema.errors], "error code")
    _duplicates(errs, [(str(e.value), e.where) for e in schema.errors], "error value")
    for e in schema.errors:
        what = f"error '{e.name}'"
        _name(errs, e.where, e.name, UPPER, what)
        if not 0 <= e.value < 1 << 31:
            errs.add(e.where.path, e.line_of("value"), f"{what}: value {e.value} must "
                     "be from 0 to 2**31 - 1")
        for m in PLACEHOLDER.finditer(e.message):
            c = schema.constant(m.group(1))
            if c is None or not isinstance(c.value, int):
                errs.add(e.where.path, e.line_of("message"), f"{what}: message quotes "
                         f"'{{{m.group(1)}}}', which is not an integer constant")
        if _BELOW_SPACE.search(e.message):
            errs.add(e.where.path, e.line_of("message"), f"{what}: message must be one "
                     "line of printable text")
    if schema.errors and not any(e.value == 0 for e in schema.errors):
        first = schema.errors[0]
        errs.add(first.where.path, first.where.line, "errors: no code has value 0 "
                 "(success)")


def _check_layout_section(errs, schema):
    lay = schema.layout
    if lay is None:
        for s in schema.structs:
            for f in s.fields:
                for key in ("init", "publish"):
                    if key in f.keys:
                        errs.add(f.where.path, f.line_of(key), f"field '{s.name}."
                                 f"{f.name}': '{key}' needs a layout section")
        return
    layout.check(errs, schema, lay,
                 lambda where, name, what: _name(errs, where, name, LOWER, what, bare=True))
    # The example is worth evaluating only on an otherwise sound schema.
    if not errs.errors:
        layout.evaluate(errs, schema, lay)


def _check_unique(errs, schema):
    seen = {}
    for ident, where, what in names.all_identifiers(schema):
        if ident not in seen:
            seen[ident] = (where, what)
            continue
        fw, fwhat = seen[ident]
        if what == fwhat:
            continue    # two objects of one name: reported as a duplicate
        if fw is not None and (where.path, where.line) < (fw.path, fw.line):
            # Report the collision at the later definition.
            seen[ident] = (where, what)
            (fw, fwhat), (where, what) = (where, what), (fw, fwhat)
        at = f" ({fw.path}:{fw.line})" if fw else ""
        errs.add(where.path, where.line, f"{what}: generated C name '{ident}' "
                 f"is already used by {fwhat}{at}")
