"""The README's table of error codes (block `errors`), from the schema's
error list: code, value, message as roam_strerror gives it, meaning."""

from . import checks, names, readme
from .render import _md


def table(schema):
    lines = ["| code | value | message | meaning |", "|---|---:|---|---|"]
    for e in schema.errors:
        lines.append(f"| `{names.error(e)}` | {e.value} | "
                     f"{_md(checks.message_text(schema, e))} | {_md(e.doc)} |")
    return "\n".join(lines) + "\n"


readme.register("errors", table)
