"""Names the generated C may not use: codegen/c-reserved-names.txt, read
once. `why(name, bare)` completes "name 'x' is ..." or is None for a name
that is free there.

A keyword is refused everywhere. Every other reserved name is refused only
where the generated C writes the schema's name as it is (`bare`: a struct
member such as a field, a member of the layout types): a name the header
only uses inside a longer one (`roam_<struct>_<field>_free`, `ROAM_EOF`)
cannot meet a macro or a library function."""

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


KEYWORD = "a C keyword"


def why(name, bare=True):
    reason = table().get(name)
    return reason if reason is not None and (bare or reason == KEYWORD) else None
