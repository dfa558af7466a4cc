"""Load YAML into plain Python values that remember their source lines.

Mappings become `Map` (a dict with the line of every key), sequences become
`Seq` (a list with the line of every item), both of source.py (which reads a
file's bytes without importing PyYAML: a file seen before is not parsed).
Scalars stay plain Python values.

The file is read as a stream of parser events (libyaml's C parser when
PyYAML has it, else the pure-Python one: both report the same lines) and
built without recursion, so that a hostile file is rejected with its line
before it costs anything: files over MAX_BYTES, nesting deeper than
MAX_DEPTH, more than MAX_NODES values, anchors and aliases (the language
needs none, and an alias bomb expands exponentially), tags other than
YAML's own, and integers written with more than MAX_INT_CHARS characters.
"""

import yaml
from yaml.events import (AliasEvent, CollectionStartEvent, DocumentStartEvent,
                         MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent)

from .errors import SchemaError
from .source import MAX_BYTES, Map, Seq, read  # noqa: F401 (this module's too)

MAX_DEPTH = 32
MAX_NODES = 20000
MAX_INT_CHARS = 80      # a u64 in binary with its 0b prefix fits

_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"
_YAML_TAG = "tag:yaml.org,2002:"
_COLLECTION_TAGS = {MappingStartEvent: _YAML_TAG + "map",
                    SequenceStartEvent: _YAML_TAG + "seq"}


# (plain text, implicit) -> the tag YAML gives it: keys and names repeat.
_resolved = {}


_safe = None


def _constructor():
    """Resolves and constructs scalars exactly as yaml.safe_load would (one
    per process: it keeps no state between scalars that matters here)."""
    global _safe
    if _safe is None:
        _safe = yaml.SafeLoader("")
    _safe.constructed_objects = {}
    return _safe


def c_loader_available():
    return bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")


def _line(event):
    return event.start_mark.line + 1


class _Builder:
    """Turns parser events into Map/Seq/scalars, checking the limits."""

    def __init__(self, path):
        self.path = path
        self.constructor = _constructor()
        self.stack = []         # open collections: [container, pending key, key line]
        self.root = None
        self.nodes = 0
        self.documents = 0

    def fail(self, event, message):
        raise SchemaError(self.path, _line(event), message)

    def feed(self, ev):
        if isinstance(ev, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail(ev, "more than one YAML document in a file ('---' twice)")
            return
        if isinstance(ev, AliasEvent):
            self.fail(ev, f"YAML alias '*{ev.anchor}' is not allowed "
                          "(the schema language uses no anchors or aliases)")
        if isinstance(ev, (MappingEndEvent, SequenceEndEvent)):
            self.stack.pop()
            return
        if not isinstance(ev, (ScalarEvent, CollectionStartEvent)):
            return      # stream start/end, document end
        if ev.anchor is not None:
            self.fail(ev, f"YAML anchor '&{ev.anchor}' is not allowed "
                          "(the schema language uses no anchors or aliases)")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(ev, f"more than {MAX_NODES} values in one file")
        if isinstance(ev, ScalarEvent):
            self.attach(ev, self.scalar(ev))
            return
        tag = _COLLECTION_TAGS[type(ev)]
        if ev.tag not in (None, "!", tag):
            self.fail(ev, f"YAML tag '{ev.tag}' is not allowed here")
        if len(self.stack) >= MAX_DEPTH:
            self.fail(ev, f"nested more than {MAX_DEPTH} levels deep")
        if self.stack and isinstance(self.stack[-1][0], Map) and self.stack[-1][1] is None:
            self.fail(ev, "mapping keys must be plain names")
        out = Map(_line(ev)) if isinstance(ev, MappingStartEvent) else Seq(_line(ev))
        self.attach(ev, out)
        self.stack.append([out, None, 0])

    def scalar(self, ev):
        tag = ev.tag
        if tag is None or tag == "!":
            key = (ev.value, ev.implicit)
            tag = _resolved.get(key)
            if tag is None:
                tag = self.constructor.resolve(yaml.ScalarNode, ev.value, ev.implicit)
                if len(_resolved) < 4096:
                    _resolved[key] = tag
            if tag == _STR:
                return ev.value         # most scalars: keys, names, docs
        elif not tag.startswith(_YAML_TAG):
            self.fail(ev, f"YAML tag '{tag}' is not allowed")
        if tag == _INT and len(ev.value) > MAX_INT_CHARS:
            self.fail(ev, f"integer of {len(ev.value)} characters; no value of the "
                          f"language needs more than {MAX_INT_CHARS}")
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            return self.constructor.construct_object(node)
        except yaml.constructor.ConstructorError as e:
            self.fail(ev, f"bad value: {e.problem}")
        except ValueError as e:         # e.g. a malformed !!int or !!float
            self.fail(ev, f"bad value: {e}")

    def attach(self, ev, value):
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        container = top[0]
        if isinstance(container, Seq):
            container.append(value)
            container.item_lines.append(_line(ev))
        elif top[1] is None:            # this scalar is a key
            try:
                hash(value)
            except TypeError:
                self.fail(ev, "mapping keys must be plain names")
            if value in container:
                self.fail(ev, f"duplicate key '{value}' (first at line "
                              f"{container.key_lines[value]})")
            top[1], top[2] = (value,), _line(ev)
        else:
            key = top[1][0]
            container[key] = value
            container.key_lines[key] = top[2]
            top[1] = None


def _yaml_error(path, text, e):
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        context = ""
        if e.context and e.context_mark and e.context_mark.line + 1 != line:
            context = f" ({e.context} at line {e.context_mark.line + 1})"
        return SchemaError(path, line, f"YAML syntax error: {e.problem}{context}")
    if isinstance(e, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(e.position, 0)) + 1
        return SchemaError(path, line, f"YAML error: {e.reason} "
                                       f"(character U+{e.character:04X})"
                           if isinstance(e.character, int) else f"YAML error: {e.reason}")
    return SchemaError(path, 0, f"YAML error: {e}")


def parse(path, data, pure=False):
    """Build the tree of one file's bytes; raise SchemaError with the line of
    any fault. `pure` forces the pure-Python parser."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SchemaError(path, data.count(b"\n", 0, e.start) + 1,
                          f"not UTF-8: byte 0x{data[e.start]:02X}") from None
    loader = yaml.SafeLoader if pure or not c_loader_available() else yaml.CSafeLoader
    builder = _Builder(path)
    try:
        for ev in yaml.parse(text, Loader=loader):
            builder.feed(ev)
    except yaml.YAMLError as e:
        raise _yaml_error(path, text, e) from None
    if builder.root is None:
        return Map(1)
    return builder.root


def load(path, pure=False):
    """Parse one schema file; raise SchemaError with the line of any fault."""
    return parse(path, read(path), pure)
