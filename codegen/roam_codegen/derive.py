"""Derived constants: evaluate `expr` strings such as
`FRAME_HEADER_SIZE + size(slot_ref)`.

The language is integers, constant names, size(struct), align(struct),
parentheses and + - * // << >> |. Nothing else is evaluated."""

import ast

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b,
}


class ExprError(Exception):
    pass


def derive_constants(errs, schema):
    """Fill in `value` of every constant given by `expr`, in dependency order."""
    by_name = {c.name: c for c in schema.constants}
    state = {}   # name -> "busy" | "done"

    def value_of(name, chain):
        c = by_name.get(name)
        if c is None:
            raise ExprError(f"unknown constant '{name}'")
        if state.get(name) == "busy":
            raise ExprError("constants depend on each other in a cycle: "
                            + " -> ".join(chain + [name]))
        if c.expr is not None and state.get(name) != "done":
            state[name] = "busy"
            c.value = _eval(c.expr, schema, lambda n: value_of(n, chain + [name]))
            state[name] = "done"
        if not isinstance(c.value, int):
            raise ExprError(f"constant '{name}' is not an integer")
        return c.value

    for c in schema.constants:
        if c.expr is None or state.get(c.name) == "done":
            continue
        try:
            value_of(c.name, [])
        except ExprError as e:
            errs.add(c.where.path, c.where.line, f"constant '{c.name}': expr "
                     f"'{c.expr}': {e}")
            c.value = 0
            state[c.name] = "done"


def _eval(text, schema, lookup):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExprError("not an expression") from None
    return _node(tree.body, schema, lookup)


def _node(n, schema, lookup):
    if isinstance(n, ast.Constant) and isinstance(n.value, int) \
            and not isinstance(n.value, bool):
        return n.value
    if isinstance(n, ast.Name):
        return lookup(n.id)
    if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
        return _BINOPS[type(n.op)](_node(n.left, schema, lookup),
                                   _node(n.right, schema, lookup))
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) \
            and n.func.id in ("size", "align") and len(n.args) == 1 \
            and isinstance(n.args[0], ast.Name) and not n.keywords:
        s = schema.struct(n.args[0].id)
        if s is None:
            raise ExprError(f"unknown struct '{n.args[0].id}'")
        return s.size if n.func.id == "size" else s.align
    raise ExprError("only integers, constant names, size(struct), align(struct) "
                    "and + - * // << >> | are allowed")
