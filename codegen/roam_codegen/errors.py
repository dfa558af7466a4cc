"""Schema errors: every one names a file and a line."""

from .record import record


@record
class Where:
    """Where a schema object is defined."""
    path: str
    line: int


def one_line(text):
    """`text` with every control character written as an escape, so that
    a message stays on one line whatever the schema or a path holds."""
    return str(text).translate(_ESCAPES)


# Each control character, and each that some reader takes for a line break,
# as Python would write it in a string literal (\n, \x7f, \u2028).
_ESCAPES = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7f, 0x85, 0x2028, 0x2029)}


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
