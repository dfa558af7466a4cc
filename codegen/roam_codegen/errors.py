"""Schema errors: every one names a file and a line."""

import re
from .record import record


@record
class Where:
    """Where a schema object is defined."""
    path: str
    line: int


def one_line(text):
    """`text` with every control character written as an escape, so that
    a message stays on one line whatever the schema or a path holds."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class SchemaError(Exception):
    def __init__(self, path, line, message):
        path, message = one_line(path), one_line(message)
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class ErrorList(Exception):
    """Several SchemaErrors found in one pass, reported together."""

    def __init__(self, errors):
        errors = sorted(errors, key=lambda e: (str(e.path), e.line))
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class Collector:
    """Gathers errors so that one run reports every fault it can find."""

    def __init__(self):
        self.errors = []

    def add(self, path, line, message):
        self.errors.append(SchemaError(path, line, message))

    def raise_if_any(self):
        if self.errors:
            raise ErrorList(self.errors)
