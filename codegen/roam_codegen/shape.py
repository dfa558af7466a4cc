"""Adapter between model.py and the schema language.

The structure of every file (keys, required keys, value types, allowed
values) is described by codegen/schema-language.json and checked against
it before model.build runs (language.validate). model.build still walks the
trees through `check_map` and `check_list_items`; they only guard against
being handed a tree that was not validated."""

from .source import Map, Seq


class Kind:
    def __init__(self, name, test):
        self.name = name
        self.test = test


STR_LIST = Kind("a list of strings",
                lambda v: isinstance(v, Seq) and all(isinstance(x, str) for x in v))

# The objects of the language, by their name in schema-language.json.
FILE = "file"
CONSTANT = "constant"
ENUM = "enum"
ENUM_VALUE = "enum_value"
FLAGS = "flags"
FLAG_BIT = "bit"
STRUCT = "struct"
FIELD = "field"
ATOMIC = "atomic"
RMW = "rmw"
LAYOUT = "layout"
LAYOUT_PARAM = "layout_param"
LAYOUT_LIST = "layout_list"
LAYOUT_CHECK = "layout_check"
REGION = "region"
PART = "part"
EXAMPLE = "example"
ERROR = "error"


def check_map(errs, path, value, shape, what, line):
    """True when `value` is a mapping (its keys were checked already)."""
    if not isinstance(value, Map):
        errs.add(path, line, f"{what}: expected a mapping")
        return False
    return True


def check_list_items(errs, path, seq, shape, what):
    """Yield (item, line) for each mapping of `seq`."""
    for item, line in zip(seq, getattr(seq, "item_lines", [])):
        if check_map(errs, path, item, shape, what, line):
            yield item, line
