"""Field types of the schema language: u8/u16/u32/u64 and fixed arrays of them."""

import re
from .record import record

SCALARS = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
_TYPE_RE = re.compile(r"^(u8|u16|u32|u64)(?:\[([1-9][0-9]*)\])?$")


@record(frozen=True)
class Type:
    base: str        # "u32"
    count: int       # array length, or 0 for a scalar

    @property
    def elem_size(self):
        return SCALARS[self.base]

    @property
    def size(self):
        return self.elem_size * (self.count or 1)

    @property
    def align(self):
        return self.elem_size

    @property
    def is_array(self):
        return self.count > 0

    @property
    def bits(self):
        return self.elem_size * 8

    @property
    def max_value(self):
        return (1 << self.bits) - 1

    @property
    def c_type(self):
        return f"uint{self.bits}_t"

    def __str__(self):
        return f"{self.base}[{self.count}]" if self.count else self.base


def parse_type(text):
    """Return a Type, or None when `text` names no type of the language."""
    m = _TYPE_RE.match(text)
    if not m:
        return None
    return Type(m.group(1), int(m.group(2) or 0))
