"""The whole-segment layout: model, checks and evaluation.

`build` turns the `layout:` mapping into a Layout; `check` resolves every
name in its expressions (params, list counts, constants, structs, earlier
regions), checks the links to struct fields and error codes, and evaluates
the worked example, which the reference doc shows and which must lay out
without overlap. The C translation lives in the header template, through
`expr.to_c` and the helpers at the end of this file."""

from .record import fresh, record
from typing import Optional

from . import expr as E
from . import shape as S
from .errors import Where
from .source import Map, Seq

BYTE_ORDERS = ("little", "big")


@record
class Param:
    name: str
    type: object
    field: Optional[str]          # "struct.field" it is stored in
    doc: str
    where: Where


@record
class Check:
    expr: object                  # expr.Expr once parsed
    text: str
    error: str
    where: Where


@record
class List:
    name: str
    type: str                     # C type roam_<type>_t of one item
    count: str                    # name of the item count
    count_field: Optional[str]
    max: str                      # constant bounding the count
    too_many: str
    missing: str
    doc: str
    params: list
    checks: list
    where: Where


@record
class Part:
    name: str
    doc: str
    struct: Optional[str]
    count: object                 # Expr or None
    size: object                  # Expr or None
    where: Where


@record
class Region:
    name: str
    doc: str
    struct: Optional[str]
    count: object                 # Expr or None (one item)
    each: Optional[str]           # list name: one item per list entry
    offset: object                # Expr
    size: object                  # Expr or None
    stored: Optional[str]         # "struct.field" holding the offset
    parts: list
    where: Where


@record
class Layout:
    doc: str
    byte_order: str
    overflow: str
    params: list
    lists: list
    checks: list
    regions: list
    total_size: object            # Expr
    example_doc: str
    example: dict                 # param -> int, list name -> [ {param: int} ]
    where: Where
    keys: dict = fresh(dict)
    result: dict = fresh(dict)   # the example, evaluated

    def line_of(self, key):
        return self.keys.get(key, self.where.line)

    def region(self, name):
        return next((r for r in self.regions if r.name == name), None)

    def list(self, name):
        return next((li for li in self.lists if li.name == name), None)

    @property
    def header(self):
        """The struct of the first region: params and stored offsets live in it."""
        return self.regions[0].struct if self.regions else None

    def each_region(self, list_name):
        return next((r for r in self.regions if r.each == list_name), None)


# ---- Building ----------------------------------------------------------------

def _expr(errs, path, node, key, what, check=False, required=True):
    if key not in node:
        if required:
            errs.add(path, node.line, f"{what}: missing key '{key}'")
        return None
    try:
        return E.parse(node[key], check=check)
    except E.ExprError as e:
        errs.add(path, node.line_of(key), f"{what}: {key} '{node[key]}' {e}")
        return None


def _params(errs, path, seq, what):
    from .types import parse_type
    out = []
    for p, line in S.check_list_items(errs, path, seq, S.LAYOUT_PARAM, what):
        t = parse_type(p["type"])
        if t is None or t.is_array:
            errs.add(path, p.line_of("type"), f"{what} '{p['name']}': type must be "
                     f"u8, u16, u32 or u64, not '{p['type']}'")
            continue
        out.append(Param(p["name"], t, p.get("field"), p["doc"], Where(path, line)))
    return out


def _checks(errs, path, seq, what):
    out = []
    for c, line in S.check_list_items(errs, path, seq, S.LAYOUT_CHECK, what):
        e = _expr(errs, path, c, "expr", what, check=True)
        if e is not None:
            out.append(Check(e, str(c["expr"]), c["error"], Where(path, line)))
    return out


def build(errs, path, node, line):
    """The Layout of a `layout:` mapping, or None after reporting its faults."""
    if not S.check_map(errs, path, node, S.LAYOUT, "layout", line):
        return None
    params = _params(errs, path, node["params"], "layout param")
    lists = []
    for li, ll in S.check_list_items(errs, path, node.get("lists", Seq(line)),
                                     S.LAYOUT_LIST, "layout list"):
        what = f"layout list '{li['name']}'"
        lists.append(List(li["name"], li["type"], li["count"], li.get("count_field"),
                          li["max"], li["too_many"], li["missing"], li["doc"],
                          _params(errs, path, li["params"], f"{what} param"),
                          _checks(errs, path, li.get("checks", Seq(ll)), f"{what} check"),
                          Where(path, ll)))
    checks = _checks(errs, path, node.get("checks", Seq(line)), "layout check")
    regions = []
    for r, rl in S.check_list_items(errs, path, node["regions"], S.REGION, "region"):
        what = f"region '{r['name']}'"
        parts = []
        for p, pl in S.check_list_items(errs, path, r.get("parts", Seq(rl)), S.PART,
                                        f"{what} part"):
            pw = f"{what} part '{p['name']}'"
            parts.append(Part(p["name"], p["doc"], p.get("struct"),
                              _expr(errs, path, p, "count", pw, required=False),
                              _expr(errs, path, p, "size", pw, required=False),
                              Where(path, pl)))
        regions.append(Region(r["name"], r["doc"], r.get("struct"),
                              _expr(errs, path, r, "count", what, required=False),
                              r.get("each"), _expr(errs, path, r, "offset", what),
                              _expr(errs, path, r, "size", what, required=False),
                              r.get("stored"), parts, Where(path, rl)))
    total = _expr(errs, path, node, "total_size", "layout")
    example, example_doc = _example(errs, path, node["example"], lists)
    return Layout(node["doc"], node["byte_order"], node["overflow"], params, lists, checks,
                  regions, total, example_doc, example, Where(path, line),
                  dict(node.key_lines))


def _example(errs, path, node, lists):
    """The worked example: {param: int} and {list: [{item param: int}]}."""
    names = {li.name for li in lists}
    out = {}
    doc = node.get("doc", "") if isinstance(node.get("doc"), str) else ""
    for key in node:
        line = node.line_of(key)
        if key == "doc":
            continue
        if key == "params":
            vals = node[key]
            if not isinstance(vals, Map):
                errs.add(path, line, "layout example: 'params' must be a mapping")
                continue
            for k, v in vals.items():
                if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= E.U64_MAX:
                    errs.add(path, vals.line_of(k), f"layout example: param '{k}' "
                             "must be an integer from 0 to 2**64 - 1")
                else:
                    out[k] = v
        elif key in names:
            items = node[key]
            if not isinstance(items, Seq) or not all(isinstance(i, Map) for i in items):
                errs.add(path, line, f"layout example: '{key}' must be a list of mappings")
                continue
            out[key] = [dict(i) for i in items]
        else:
            errs.add(path, line, f"layout example: unknown key '{key}' (known keys: "
                     f"{', '.join(['doc', 'params'] + sorted(names))})")
    if "doc" not in node:
        errs.add(path, node.line, "layout example: missing key 'doc'")
    return out, doc


# ---- Checks ------------------------------------------------------------------

def check(errs, schema, lay, name_check):
    """Semantic checks; `name_check(where, name, what)` checks an identifier."""
    path = lay.where.path
    if lay.byte_order not in BYTE_ORDERS:
        errs.add(path, lay.line_of("byte_order"), f"layout: byte_order '{lay.byte_order}' "
                 f"must be one of {', '.join(BYTE_ORDERS)}")
    error_names = {e.name for e in schema.errors}

    def error_ref(where, name, what):
        if name not in error_names:
            errs.add(where.path, where.line, f"{what}: unknown error code '{name}'")

    error_ref(Where(path, lay.line_of("overflow")), lay.overflow, "layout overflow")
    if not lay.regions:
        errs.add(path, lay.line_of("regions"), "layout: has no regions")
        return
    header = schema.struct(lay.header)
    if header is None:
        errs.add(lay.regions[0].where.path, lay.regions[0].where.line,
                 "layout: the first region must name a struct (the header)")
        return

    # Names of values: params, list counts; none may shadow another.
    values = {}
    for p in lay.params:
        name_check(p.where, p.name, f"layout param '{p.name}'")
        _unique(errs, values, p.name, p.where, "layout value")
        _field_link(errs, schema, p, header, f"layout param '{p.name}'")
    for li in lay.lists:
        what = f"layout list '{li.name}'"
        name_check(li.where, li.name, what)
        name_check(li.where, li.type, what)
        _unique(errs, values, li.count, li.where, "layout value")
        if schema.constant(li.max) is None:
            errs.add(li.where.path, li.where.line, f"{what}: max names unknown "
                     f"constant '{li.max}'")
        error_ref(li.where, li.too_many, what)
        error_ref(li.where, li.missing, what)
        if li.count_field:
            _field_link(errs, schema, Param(li.count, None, li.count_field, "", li.where),
                        header, what)
        item_struct = None
        item_values = dict(values)
        for p in li.params:
            pw = f"{what} param '{p.name}'"
            name_check(p.where, p.name, pw)
            _unique(errs, item_values, p.name, p.where, "layout value")
            if p.field:
                s = _field_link(errs, schema, p, None, pw)
                if s is not None and item_struct not in (None, s):
                    errs.add(p.where.path, p.where.line, f"{pw}: every param of a "
                             f"list must be stored in one struct ({item_struct}, not {s})")
                item_struct = item_struct or s
        li.item_struct = item_struct
        for c in li.checks:
            error_ref(c.where, c.error, f"{what} check")
            _names(errs, schema, lay, c.expr, c.where, f"{what} check '{c.text}'",
                   set(item_values), regions_before=[])
    for c in lay.checks:
        error_ref(c.where, c.error, "layout check")
        _names(errs, schema, lay, c.expr, c.where, f"layout check '{c.text}'",
               set(values), regions_before=[])

    # Regions: in order, each refers only to regions before it.
    seen = {}
    for i, r in enumerate(lay.regions):
        what = f"region '{r.name}'"
        name_check(r.where, r.name, what)
        _unique(errs, seen, r.name, r.where, "region")
        before = [x.name for x in lay.regions[:i]]
        if r.struct and schema.struct(r.struct) is None:
            errs.add(r.where.path, r.where.line, f"{what}: unknown struct '{r.struct}'")
        if r.each is not None:
            if lay.list(r.each) is None:
                errs.add(r.where.path, r.where.line, f"{what}: each names unknown list "
                         f"'{r.each}'")
            elif i != len(lay.regions) - 1:
                errs.add(r.where.path, r.where.line, f"{what}: a region with 'each' must "
                         "be the last one (its items are known only once read)")
            if r.count is not None:
                errs.add(r.where.path, r.where.line, f"{what}: give 'count' or 'each', "
                         "not both")
            if not r.parts:
                errs.add(r.where.path, r.where.line, f"{what}: a region with 'each' "
                         "needs 'parts'")
        if r.struct and r.parts:
            errs.add(r.where.path, r.where.line, f"{what}: give 'struct' or 'parts', "
                     "not both")
        if not r.struct and not r.parts:
            errs.add(r.where.path, r.where.line, f"{what}: needs 'struct' or 'parts'")
        if i == 0 and (r.count is not None or r.each is not None or r.parts):
            errs.add(r.where.path, r.where.line, f"{what}: the first region is the "
                     "header: one struct, no count")
        scope = set(values)
        if r.each is not None and lay.list(r.each):
            scope |= {p.name for p in lay.list(r.each).params}
        for key in ("offset", "count", "size"):
            e = getattr(r, key)
            if e is not None:
                _names(errs, schema, lay, e, r.where, f"{what} {key} '{e.text}'",
                       set(values), before)
        for p in r.parts:
            pw = f"{what} part '{p.name}'"
            name_check(p.where, p.name, pw)
            if p.struct and schema.struct(p.struct) is None:
                errs.add(p.where.path, p.where.line, f"{pw}: unknown struct '{p.struct}'")
            if not p.struct and p.size is None:
                errs.add(p.where.path, p.where.line, f"{pw}: needs 'struct' or 'size'")
            for key in ("count", "size"):
                e = getattr(p, key)
                if e is not None:
                    _names(errs, schema, lay, e, p.where, f"{pw} {key} '{e.text}'",
                           scope, before)
        _unique_parts(errs, r)
        if r.stored:
            _stored_link(errs, schema, r, header)
    if lay.total_size is not None:
        _names(errs, schema, lay, lay.total_size, Where(path, lay.line_of("total_size")),
               f"layout total_size '{lay.total_size.text}'", set(values),
               [r.name for r in lay.regions])
    _check_inits(errs, schema, lay, header)


def _unique(errs, seen, name, where, what):
    if name in seen:
        first = seen[name]
        errs.add(where.path, where.line, f"duplicate {what} '{name}' "
                 f"(first at {first.path}:{first.line})")
    else:
        seen[name] = where


def _unique_parts(errs, r):
    seen = {}
    for p in r.parts:
        _unique(errs, seen, p.name, p.where, f"part of region '{r.name}'")


def _split_ref(ref):
    if not isinstance(ref, str) or ref.count(".") != 1:
        return None, None
    return ref.split(".")


def _field_link(errs, schema, p, header, what):
    """Check `p.field` names a host-init field of the right struct and type;
    returns the struct's name."""
    if not p.field:
        return None
    sname, fname = _split_ref(p.field)
    s = schema.struct(sname) if sname else None
    f = next((x for x in s.fields if x.name == fname), None) if s else None
    if f is None:
        errs.add(p.where.path, p.where.line, f"{what}: field '{p.field}' names no "
                 "field of a struct (write struct.field)")
        return None
    if header is not None and s is not header:
        errs.add(p.where.path, p.where.line, f"{what}: field '{p.field}' must be in "
                 f"the header struct '{header.name}'")
    if f.writer != "host-init" or f.atomic or f.type.is_array:
        errs.add(p.where.path, p.where.line, f"{what}: field '{p.field}' must be a "
                 "plain scalar the host writes at creation (writer host-init)")
    elif p.type is not None and f.type != p.type:
        errs.add(p.where.path, p.where.line, f"{what}: type {p.type} differs from "
                 f"field '{p.field}' type {f.type}")
    elif p.type is None and f.type.bits < 32:
        errs.add(p.where.path, p.where.line, f"{what}: count field '{p.field}' must be "
                 "u32 or u64")
    return s.name


def _stored_link(errs, schema, r, header):
    what = f"region '{r.name}'"
    sname, fname = _split_ref(r.stored)
    f = next((x for x in header.fields if x.name == fname), None) \
        if sname == header.name else None
    if f is None:
        errs.add(r.where.path, r.where.line, f"{what}: stored '{r.stored}' must name "
                 f"a field of the header struct '{header.name}'")
    elif f.writer != "host-init" or f.atomic or f.type.bits != 64 or f.type.is_array:
        errs.add(r.where.path, r.where.line, f"{what}: stored field '{r.stored}' must "
                 "be a plain u64 the host writes at creation (writer host-init)")


def _names(errs, schema, lay, e, where, what, values, regions_before):
    for n in e.names():
        if n not in values and schema.constant(n) is None:
            errs.add(where.path, where.line, f"{what}: unknown name '{n}' (not a "
                     "param, list count or constant)")
        elif schema.constant(n) is not None and not isinstance(schema.constant(n).value, int):
            errs.add(where.path, where.line, f"{what}: constant '{n}' is not an integer")
    for fn in ("size", "align"):
        for n in e.calls(fn):
            if schema.struct(n) is None:
                errs.add(where.path, where.line, f"{what}: {fn}() of unknown struct '{n}'")
    for fn in ("offset", "end"):
        for n in e.calls(fn):
            if lay.region(n) is None:
                errs.add(where.path, where.line, f"{what}: {fn}() of unknown region '{n}'")
            elif n not in regions_before:
                errs.add(where.path, where.line, f"{what}: {fn}({n}) refers to a region "
                         "that is not placed before this one (a cycle)")


def init_sources(schema, lay):
    """How the creation code fills each header field: {field name: (kind, x)}
    with kind one of 'init' (Expr), 'param', 'count' (list), 'stored'
    (region), 'config' (a member of the configuration)."""
    header = schema.struct(lay.header)
    src = {}
    for p in lay.params:
        if p.field:
            src[p.field.split(".")[1]] = ("param", p)
    for li in lay.lists:
        if li.count_field:
            src[li.count_field.split(".")[1]] = ("count", li)
    for r in lay.regions:
        if r.stored:
            src[r.stored.split(".")[1]] = ("stored", r)
    for f in header.fields:
        if f.init is not None:
            src[f.name] = ("init", f)
        elif f.name not in src and f.writer == "host-init" and not f.reserved:
            src[f.name] = ("config", f)
    return src


def config_fields(schema, lay):
    """Header fields that the configuration carries as they are."""
    header = schema.struct(lay.header)
    src = init_sources(schema, lay)
    return [f for f in header.fields if src.get(f.name, ("",))[0] == "config"]


def _check_inits(errs, schema, lay, header):
    src = init_sources(schema, lay)
    names = {p.name for p in lay.params} | {li.count for li in lay.lists}
    taken = {}
    for f in header.fields:
        what = f"field '{header.name}.{f.name}'"
        kinds = [k for k, x in _all_sources(lay, f)]
        if f.init is not None and kinds:
            errs.add(f.where.path, f.line_of("init"), f"{what}: has 'init' but is also "
                     f"filled from the layout ({kinds[0]})")
        if f.init is not None:
            _check_init(errs, schema, lay, header, f)
        if src.get(f.name, ("",))[0] == "config":
            if f.name in names:
                errs.add(f.where.path, f.where.line, f"{what}: a configuration member "
                         f"'{f.name}' would collide with the layout value of that name")
            if f.type.is_array:
                errs.add(f.where.path, f.where.line, f"{what}: a host-init array needs "
                         "'init' (a byte-string constant)")
        if f.publish:
            if "publish" in taken:
                errs.add(f.where.path, f.line_of("publish"), f"{what}: only one field "
                         f"may be published last ('{taken['publish']}' is)")
            taken["publish"] = f.name
            if f.init is None:
                errs.add(f.where.path, f.line_of("publish"), f"{what}: 'publish' needs "
                         "'init'")
    for s in schema.structs:
        if s is header:
            continue
        for f in s.fields:
            for key in ("init", "publish"):
                if key in f.keys:
                    errs.add(f.where.path, f.line_of(key), f"field '{s.name}.{f.name}': "
                             f"'{key}' is only for fields of the header struct "
                             f"'{header.name}'")


def _all_sources(lay, f):
    for p in lay.params:
        if p.field and p.field.split(".")[1] == f.name:
            yield "param", p
    for li in lay.lists:
        if li.count_field and li.count_field.split(".")[1] == f.name:
            yield "list count", li
    for r in lay.regions:
        if r.stored and r.stored.split(".")[1] == f.name:
            yield "stored region", r


def _check_init(errs, schema, lay, header, f):
    what = f"field '{header.name}.{f.name}'"
    line = f.line_of("init")
    if f.type.is_array:
        c = schema.constant(f.init) if isinstance(f.init, str) else None
        if c is None or not isinstance(c.value, bytes) or c.type != f.type:
            errs.add(f.where.path, line, f"{what}: init of an array must name a "
                     f"{f.type} constant")
        return
    try:
        e = E.parse(f.init)
    except E.ExprError as ex:
        errs.add(f.where.path, line, f"{what}: init '{f.init}' {ex}")
        return
    f.init_expr = e
    ok_names = {p.name for p in lay.params} | {li.count for li in lay.lists} | {"total_size"}
    for n in e.names():
        if n not in ok_names and schema.constant(n) is None:
            errs.add(f.where.path, line, f"{what}: init '{f.init}': unknown name '{n}'")
    regions = [r.name for r in lay.regions]
    _names(errs, schema, lay, e, Where(f.where.path, line), f"{what} init '{f.init}'",
           ok_names, regions)
    if f.type.bits < 64:
        fixed = all(schema.constant(n) is not None for n in e.names()) \
            and not e.calls("offset") and not e.calls("end")
        if not fixed:
            errs.add(f.where.path, line, f"{what}: a {f.type} field can only be "
                     "initialised from constants (a layout value might not fit)")


# ---- Evaluation of the worked example ----------------------------------------

def evaluate(errs, schema, lay):
    """Lay out the example; fill lay.result or report what goes wrong."""
    path = lay.where.path
    line = lay.line_of("example")
    ex = lay.example
    env = {c.name: c.value for c in schema.constants if isinstance(c.value, int)}
    for p in lay.params:
        if p.name not in ex:
            errs.add(path, line, f"layout example: no value for param '{p.name}'")
            return
        if ex[p.name] > p.type.max_value:
            errs.add(path, line, f"layout example: {p.name} {ex[p.name]} does not fit {p.type}")
            return
        env[p.name] = ex[p.name]
    for li in lay.lists:
        items = ex.get(li.name, [])
        env[li.count] = len(items)
        for it in items:
            for p in li.params:
                if not isinstance(it.get(p.name), int) or not 0 <= it[p.name] <= p.type.max_value:
                    errs.add(path, line, f"layout example: every '{li.name}' item needs "
                             f"'{p.name}', an integer that fits {p.type}")
                    return
    placed = {}       # region -> (offset, size)

    def call(fn):
        def f(name):
            if fn == "size":
                return schema.struct(name).size
            if fn == "align":
                return schema.struct(name).align
            off, size = placed[name]
            return off if fn == "offset" else off + size
        return f

    for fn in E.NAME_CALLS:
        env[fn] = call(fn)
    result = {"regions": [], "items": {}}
    try:
        for c in lay.checks:
            if not E.evaluate(c.expr, env):
                raise E.ExprError(f"fails check '{c.text}' ({c.error})")
        for li in lay.lists:
            for it in ex.get(li.name, []):
                for c in li.checks:
                    if not E.evaluate(c.expr, {**env, **it}):
                        raise E.ExprError(f"fails check '{c.text}' ({c.error})")
        end = 0
        for r in lay.regions:
            off = E.evaluate(r.offset, env)
            items = []
            if r.each is not None:
                cursor = off
                for it in ex.get(r.each, []):
                    parts = _eval_parts(schema, r, {**env, **it}, cursor)
                    items.append(parts)
                    cursor = parts[-1][1] + parts[-1][2] if parts else cursor
                natural = cursor - off
                count = len(items)
                stride = None
            else:
                count = E.evaluate(r.count, env) if r.count is not None else 1
                if r.parts:
                    parts = _eval_parts(schema, r, env, 0)
                    stride = sum(p[2] for p in parts)
                    items = [parts]
                else:
                    stride = schema.struct(r.struct).size
                natural = count * stride
            size = E.evaluate(r.size, env) if r.size is not None else natural
            if size < natural:
                raise E.ExprError(f"region '{r.name}': size {size} is smaller than its "
                                  f"{count} item(s), {natural} bytes")
            if off < end:
                raise E.ExprError(f"region '{r.name}' at {off} overlaps the region before "
                                  f"it, which ends at {end}")
            if off + size > E.U64_MAX:
                raise E.ExprError(f"region '{r.name}' ends past 2**64 - 1")
            placed[r.name] = (off, size)
            end = off + size
            result["regions"].append(dict(region=r, offset=off, size=size, count=count,
                                          stride=stride, items=items))
        result["total_size"] = E.evaluate(lay.total_size, env)
    except E.ExprError as e:
        errs.add(path, line, f"layout example: {e}")
        return
    lay.result = result


def _eval_parts(schema, r, env, start):
    """[(part, offset, size)] of one item starting at `start`."""
    out = []
    at = start
    for p in r.parts:
        count = E.evaluate(p.count, env) if p.count is not None else 1
        natural = count * schema.struct(p.struct).size if p.struct else 0
        size = E.evaluate(p.size, env) if p.size is not None else natural
        if size < natural:
            raise E.ExprError(f"region '{r.name}' part '{p.name}': size {size} is smaller "
                              f"than its {count} item(s), {natural} bytes")
        out.append((p, at, size))
        at += size
    return out
