"""Schema errors: every one names a file and a line."""

from dataclasses import dataclass


@dataclass
class Where:
    """Where a schema object is defined."""
    path: str
    line: int


class SchemaError(Exception):
    def __init__(self, path, line, message):
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
