"""C text of layout expressions for the header template.

A scope says where each value name is read from:
  cfg     checks on a configuration: params and list counts from cfg->
  item    checks on one list entry: its params from it->, others as cfg
  layout  region formulas: params and counts from the layout l->
  part    formulas of a per-item region's parts: item params from it->
  init    header creation values: as layout, and total_size from l->"""

from . import expr as E
from . import names


def c_expr(schema, lay, e, scope):
    items = set()
    if scope in ("item", "part"):
        items = {p.name for li in lay.lists for p in li.params}
    holder = "cfg" if scope in ("cfg", "item") else "l"

    def name(n):
        if n in items:
            return f"(uint64_t)it->{n}"
        if scope == "init" and n == "total_size":
            return "l->total_size"
        if schema.constant(n) is not None:
            return f"(uint64_t){names.macro(n)}"
        return f"(uint64_t){holder}->{n}"

    def call(fn, arg):
        if fn == "size":
            return f"(uint64_t)sizeof({names.struct_type(schema.struct(arg))})"
        if fn == "align":
            return f"(uint64_t)ROAM__ALIGNOF({names.struct_type(schema.struct(arg))})"
        if fn == "offset":
            return f"l->{arg}_offset"
        return f"roam_layout__add(l->{arg}_offset, l->{arg}_size, &ovf)"

    return E.to_c(e, name, call)
