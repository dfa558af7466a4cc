"""Load YAML into plain Python values that remember their source lines.

Mappings become `Map` (a dict with the line of every key), sequences become
`Seq` (a list with the line of every item). Scalars stay plain Python values.
"""

import yaml

from .errors import SchemaError


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


def _line(node):
    return node.start_mark.line + 1


class _Builder:
    def __init__(self, path):
        self.path = path
        # Only used to turn scalar nodes into ints, strings, bools, ...
        self.constructor = yaml.SafeLoader("")

    def build(self, node):
        if isinstance(node, yaml.MappingNode):
            out = Map(_line(node))
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SchemaError(self.path, _line(key_node),
                                      "mapping keys must be plain names")
                key = self.constructor.construct_object(key_node)
                if key in out:
                    raise SchemaError(self.path, _line(key_node),
                                      f"duplicate key '{key}' (first at line "
                                      f"{out.key_lines[key]})")
                out[key] = self.build(value_node)
                out.key_lines[key] = _line(key_node)
            return out
        if isinstance(node, yaml.SequenceNode):
            out = Seq(_line(node))
            for item in node.value:
                out.append(self.build(item))
                out.item_lines.append(_line(item))
            return out
        return self.constructor.construct_object(node)


def load(path):
    """Parse one schema file; raise SchemaError with the line of any fault."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SchemaError(path, 0, f"cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SchemaError(path, data.count(b"\n", 0, e.start) + 1,
                          f"not UTF-8: byte 0x{data[e.start]:02X}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        context = ""
        if e.context and e.context_mark and e.context_mark.line + 1 != line:
            context = f" ({e.context} at line {e.context_mark.line + 1})"
        raise SchemaError(path, line, f"YAML syntax error: {e.problem}{context}") from None
    except yaml.YAMLError as e:
        raise SchemaError(path, 0, f"YAML error: {e}") from None
    if node is None:
        return Map(1)
    try:
        return _Builder(path).build(node)
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        raise SchemaError(path, mark.line + 1 if mark else 0,
                          f"bad value: {e.problem}") from None
