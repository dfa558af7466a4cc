"""The schema model: records built from the YAML, one per schema object.

`build` turns the files' parsed trees into a `Schema`; it reports shape
errors (keys, value types, unknown types). Semantic checks live in
checks.py, derived values (constant expressions) in derive.py."""

from .record import fresh, record
from typing import Optional

from . import layout
from .errors import Where
from . import shape as S
from .types import parse_type


@record
class Constant:
    name: str
    type: object
    value: object           # int, bytes, or None until an expr is derived
    expr: Optional[str]
    doc: str
    rules: list
    where: Where
    keys: dict = fresh(dict)   # key -> line

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class EnumValue:
    name: str
    value: int
    doc: str
    where: Where


@record
class Enum:
    name: str
    type: object
    doc: str
    values: list
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class FlagBit:
    name: str
    bit: int
    doc: str
    where: Where


@record
class Flags:
    name: str
    type: object
    doc: str
    bits: list
    exclusive: list          # list of lists of bit names
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class Rmw:
    name: str
    op: str                  # cas | fetch_add | fetch_sub | fetch_or | fetch_and | exchange
    from_: Optional[str]
    to: Optional[str]
    success: Optional[str]
    failure: Optional[str]
    order: Optional[str]
    doc: str
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class Atomic:
    load: str
    store: str
    rmw: list
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class Field:
    name: str
    offset: int
    type: object
    writer: str
    doc: str
    atomic: Optional[Atomic]
    default: object          # int, constant name, or None
    reserved: bool
    enum: Optional[str]
    flags: Optional[str]
    line_start: bool
    rules: list
    where: Where
    keys: dict = fresh(dict)   # key -> line
    init: object = None      # creation value: an expression or a constant name
    publish: bool = False    # written last, behind a release fence
    init_expr: object = None # `init` parsed (layout.check)

    @property
    def end(self):
        return self.offset + self.type.size

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class Struct:
    name: str
    doc: str
    size: int
    align: int
    rules: list
    fields: list
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)

    @property
    def natural_align(self):
        return max((f.type.align for f in self.fields), default=1)


@record
class Error:
    name: str
    value: int
    message: str
    doc: str
    where: Where
    keys: dict = fresh(dict)

    def line_of(self, key):
        return self.keys.get(key, self.where.line)


@record
class Schema:
    files: list
    constants: list = fresh(list)
    enums: list = fresh(list)
    flags: list = fresh(list)
    structs: list = fresh(list)
    errors: list = fresh(list)
    layout: object = None    # layout.Layout

    def struct(self, name):
        return next((s for s in self.structs if s.name == name), None)

    def enum(self, name):
        return next((e for e in self.enums if e.name == name), None)

    def flagset(self, name):
        return next((f for f in self.flags if f.name == name), None)

    def constant(self, name):
        return next((c for c in self.constants if c.name == name), None)


def _type(errs, path, node, key, what):
    t = parse_type(node[key])
    if t is None:
        errs.add(path, node.line_of(key),
                 f"{what}: unknown type '{node[key]}' "
                 "(use u8, u16, u32, u64 or an array such as u8[8])")
    return t


def build(errs, trees):
    """trees: [(path, Map)] in file order. Returns a Schema; shape errors
    are added to `errs` and the faulty objects left out."""
    schema = Schema(files=[p for p, _ in trees])
    for path, tree in trees:
        if not S.check_map(errs, path, tree, S.FILE, "file", getattr(tree, "line", 1)):
            continue
        for node, line in S.check_list_items(errs, path, tree.get("constants", []),
                                             S.CONSTANT, "constant"):
            c = _constant(errs, path, node, line)
            if c:
                schema.constants.append(c)
        for node, line in S.check_list_items(errs, path, tree.get("enums", []),
                                             S.ENUM, "enum"):
            e = _enum(errs, path, node, line)
            if e:
                schema.enums.append(e)
        for node, line in S.check_list_items(errs, path, tree.get("flags", []),
                                             S.FLAGS, "flags"):
            f = _flags(errs, path, node, line)
            if f:
                schema.flags.append(f)
        for node, line in S.check_list_items(errs, path, tree.get("structs", []),
                                             S.STRUCT, "struct"):
            s = _struct(errs, path, node, line)
            if s:
                schema.structs.append(s)
        for node, line in S.check_list_items(errs, path, tree.get("errors", []),
                                             S.ERROR, "error"):
            schema.errors.append(Error(node["name"], node["value"], node["message"],
                                       node["doc"], Where(path, line), dict(node.key_lines)))
        if "layout" in tree:
            lay = layout.build(errs, path, tree["layout"], tree.line_of("layout"))
            if lay:
                if schema.layout:
                    errs.add(path, lay.where.line, "layout: declared twice "
                             f"(first in {schema.layout.where.path})")
                else:
                    schema.layout = lay
    return schema


def _constant(errs, path, node, line):
    what = f"constant '{node['name']}'"
    t = _type(errs, path, node, "type", what)
    has_value, has_expr = "value" in node, "expr" in node
    if has_value == has_expr:
        errs.add(path, line, f"{what}: give exactly one of 'value' and 'expr'")
        return None
    if t is None:
        return None
    value = node.get("value")
    if isinstance(value, str):
        try:
            value = value.encode("latin-1")
        except UnicodeEncodeError as e:
            errs.add(path, node.line_of("value"), f"{what}: value has the character "
                     f"'{value[e.start]}', which is not a byte (\\x00 to \\xff)")
            return None
    return Constant(node["name"], t, value, node.get("expr"), node["doc"],
                    list(node.get("rules", [])), Where(path, line),
                    dict(node.key_lines))


def _enum(errs, path, node, line):
    what = f"enum '{node['name']}'"
    t = _type(errs, path, node, "type", what)
    values = [EnumValue(v["name"], v["value"], v["doc"], Where(path, vl))
              for v, vl in S.check_list_items(errs, path, node["values"],
                                              S.ENUM_VALUE, f"{what} value")]
    if t is None:
        return None
    return Enum(node["name"], t, node["doc"], values, Where(path, line),
                dict(node.key_lines))


def _flags(errs, path, node, line):
    what = f"flags '{node['name']}'"
    t = _type(errs, path, node, "type", what)
    bits = [FlagBit(b["name"], b["bit"], b["doc"], Where(path, bl))
            for b, bl in S.check_list_items(errs, path, node["bits"],
                                            S.FLAG_BIT, f"{what} bit")]
    exclusive = []
    for group, gl in zip(node.get("exclusive", []),
                         getattr(node.get("exclusive"), "item_lines", [])):
        if not S.STR_LIST.test(group) or len(group) < 2:
            errs.add(path, gl, f"{what}: each 'exclusive' entry must be a "
                     "list of two or more bit names")
            continue
        exclusive.append((list(group), gl))
    if t is None:
        return None
    return Flags(node["name"], t, node["doc"], bits, exclusive, Where(path, line),
                 dict(node.key_lines))


def _struct(errs, path, node, line):
    what = f"struct '{node['name']}'"
    fields = []
    for f, fl in S.check_list_items(errs, path, node["fields"], S.FIELD,
                                    f"{what} field"):
        fld = _field(errs, path, node["name"], f, fl)
        if fld:
            fields.append(fld)
    return Struct(node["name"], node["doc"], node["size"], node["align"],
                  list(node.get("rules", [])), fields, Where(path, line),
                  dict(node.key_lines))


def _field(errs, path, struct_name, node, line):
    what = f"field '{struct_name}.{node['name']}'"
    t = _type(errs, path, node, "type", what)
    atomic = None
    if "atomic" in node:
        a = node["atomic"]
        if not S.check_map(errs, path, a, S.ATOMIC, f"{what} atomic", node.line_of("atomic")):
            return None
        rmw = [Rmw(r["name"], r["op"], r.get("from"), r.get("to"), r.get("success"),
                   r.get("failure"), r.get("order"), r["doc"], Where(path, rl),
                   dict(r.key_lines))
               for r, rl in S.check_list_items(errs, path, a.get("rmw", []),
                                               S.RMW, f"{what} rmw")]
        atomic = Atomic(a["load"], a["store"], rmw, Where(path, node.line_of("atomic")),
                        dict(a.key_lines))
    if t is None:
        return None
    return Field(node["name"], node["offset"], t, node["writer"], node["doc"], atomic,
                 node.get("default"), node.get("reserved", False), node.get("enum"),
                 node.get("flags"), node.get("line_start", False),
                 list(node.get("rules", [])), Where(path, line), dict(node.key_lines),
                 node.get("init"), node.get("publish", False))
