"""A schema file's bytes, and the tree they load into (loader.py parses):
what a run needs of a file seen before, found by those bytes in the cache,
without importing PyYAML."""

from .errors import SchemaError

MAX_BYTES = 256 * 1024


class Map(dict):
    """A YAML mapping: `line` of the mapping, `key_lines[k]` of each key."""

    def __init__(self, line):
        super().__init__()
        self.line = line
        self.key_lines = {}

    def line_of(self, key):
        return self.key_lines.get(key, self.line)


class Seq(list):
    """A YAML sequence: `line` of the sequence, `item_lines[i]` of each item."""

    def __init__(self, line):
        super().__init__()
        self.line = line
        self.item_lines = []


def read(path):
    """The bytes of one schema file; SchemaError when it cannot be used."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise SchemaError(path, 0, f"cannot read: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise SchemaError(path, 0, f"larger than {MAX_BYTES // 1024} KiB, the most "
                                   "a schema file may have")
    return data
