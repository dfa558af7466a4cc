"""Names the generated C may not use: codegen/c-reserved-names.txt, read
once. `why(name)` completes "name 'x' is ..." or is None for a free name."""

import os

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "c-reserved-names.txt")

_names = None


def table():
    """{name: why} of every reserved name."""
    global _names
    if _names is None:
        _names = {}
        why = None
        with open(PATH, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line.startswith("[") and line.endswith("]"):
                    why = line[1:-1]
                elif line:
                    if why is None:
                        raise ValueError(f"{PATH}: names before the first [why] line")
                    for name in line.split():
                        _names.setdefault(name, why)
    return _names


def why(name):
    return table().get(name)
