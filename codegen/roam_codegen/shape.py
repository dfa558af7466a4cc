"""The keys of the schema language: which exist, which are required, and the
type of each value. `check_map` applies one of these shapes to a mapping."""

from .loader import Map, Seq


class Kind:
    def __init__(self, name, test):
        self.name = name
        self.test = test


STR = Kind("a string", lambda v: isinstance(v, str))
INT = Kind("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
MAP = Kind("a mapping", lambda v: isinstance(v, Map))
LIST = Kind("a list", lambda v: isinstance(v, Seq))
STR_LIST = Kind("a list of strings",
                lambda v: isinstance(v, Seq) and all(isinstance(x, str) for x in v))
INT_OR_STR = Kind("an integer or a constant name",
                  lambda v: STR.test(v) or INT.test(v))
INT_OR_BYTES = Kind("an integer or a string of bytes",
                    lambda v: STR.test(v) or INT.test(v))

# key: (kind, required)
FILE = {
    "constants": (LIST, False),
    "enums": (LIST, False),
    "flags": (LIST, False),
    "structs": (LIST, False),
    "layout": (MAP, False),
    "errors": (LIST, False),
}

CONSTANT = {
    "name": (STR, True),
    "type": (STR, True),
    "value": (INT_OR_BYTES, False),
    "expr": (STR, False),
    "doc": (STR, True),
    "rules": (STR_LIST, False),
}

ENUM = {
    "name": (STR, True),
    "type": (STR, True),
    "doc": (STR, True),
    "values": (LIST, True),
}

ENUM_VALUE = {
    "name": (STR, True),
    "value": (INT, True),
    "doc": (STR, True),
}

FLAGS = {
    "name": (STR, True),
    "type": (STR, True),
    "doc": (STR, True),
    "bits": (LIST, True),
    "exclusive": (LIST, False),
}

FLAG_BIT = {
    "name": (STR, True),
    "bit": (INT, True),
    "doc": (STR, True),
}

STRUCT = {
    "name": (STR, True),
    "doc": (STR, True),
    "size": (INT, True),
    "align": (INT, True),
    "rules": (STR_LIST, False),
    "fields": (LIST, True),
}

FIELD = {
    "name": (STR, True),
    "offset": (INT, True),
    "type": (STR, True),
    "writer": (STR, True),
    "doc": (STR, True),
    "atomic": (MAP, False),
    "default": (INT_OR_STR, False),
    "reserved": (BOOL, False),
    "enum": (STR, False),
    "flags": (STR, False),
    "line_start": (BOOL, False),
    "rules": (STR_LIST, False),
    "init": (INT_OR_STR, False),
    "publish": (BOOL, False),
}

ATOMIC = {
    "load": (STR, True),
    "store": (STR, True),
    "rmw": (LIST, False),
}

RMW = {
    "name": (STR, True),
    "op": (STR, True),
    "from": (STR, False),
    "to": (STR, False),
    "success": (STR, False),
    "failure": (STR, False),
    "order": (STR, False),
    "doc": (STR, True),
}

LAYOUT = {
    "doc": (STR, True),
    "byte_order": (STR, True),
    "overflow": (STR, True),
    "params": (LIST, True),
    "lists": (LIST, False),
    "checks": (LIST, False),
    "regions": (LIST, True),
    "total_size": (INT_OR_STR, True),
    "example": (MAP, True),
}

LAYOUT_PARAM = {
    "name": (STR, True),
    "type": (STR, True),
    "field": (STR, False),
    "doc": (STR, True),
}

LAYOUT_LIST = {
    "name": (STR, True),
    "type": (STR, True),
    "count": (STR, True),
    "count_field": (STR, False),
    "max": (STR, True),
    "too_many": (STR, True),
    "missing": (STR, True),
    "doc": (STR, True),
    "params": (LIST, True),
    "checks": (LIST, False),
}

LAYOUT_CHECK = {
    "expr": (INT_OR_STR, True),
    "error": (STR, True),
}

REGION = {
    "name": (STR, True),
    "doc": (STR, True),
    "struct": (STR, False),
    "count": (INT_OR_STR, False),
    "each": (STR, False),
    "offset": (INT_OR_STR, True),
    "size": (INT_OR_STR, False),
    "stored": (STR, False),
    "parts": (LIST, False),
}

PART = {
    "name": (STR, True),
    "doc": (STR, True),
    "struct": (STR, False),
    "count": (INT_OR_STR, False),
    "size": (INT_OR_STR, False),
}

EXAMPLE = {
    "doc": (STR, True),
    "params": (MAP, True),
}

ERROR = {
    "name": (STR, True),
    "value": (INT, True),
    "message": (STR, True),
    "doc": (STR, True),
}


def check_map(errs, path, value, shape, what, line):
    """Report unknown keys, missing keys and wrongly typed values.

    Returns True when the mapping can be used as `shape` describes."""
    if not isinstance(value, Map):
        errs.add(path, line, f"{what}: expected a mapping")
        return False
    ok = True
    for key in value:
        if key not in shape:
            known = ", ".join(sorted(shape))
            errs.add(path, value.line_of(key),
                     f"{what}: unknown key '{key}' (known keys: {known})")
            ok = False
    for key, (kind, required) in shape.items():
        if key not in value:
            if required:
                errs.add(path, value.line, f"{what}: missing key '{key}'")
                ok = False
            continue
        if not kind.test(value[key]):
            errs.add(path, value.line_of(key),
                     f"{what}: '{key}' must be {kind.name}, "
                     f"not {_describe(value[key])}")
            ok = False
    return ok


def check_list_items(errs, path, seq, shape, what):
    """Yield (item, line) for each item of `seq` that has the right shape."""
    for item, line in zip(seq, getattr(seq, "item_lines", [])):
        name = item.get("name") if isinstance(item, Map) else None
        label = f"{what} '{name}'" if isinstance(name, str) else what
        if check_map(errs, path, item, shape, label, line):
            yield item, line


def _describe(v):
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, int):
        return f"the integer {v}"
    if isinstance(v, str):
        return f"the string '{v}'"
    if isinstance(v, Map):
        return "a mapping"
    if isinstance(v, Seq):
        return "a list"
    if v is None:
        return "nothing"
    return type(v).__name__
