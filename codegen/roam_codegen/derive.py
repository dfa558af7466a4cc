"""Derived constants: evaluate `expr` strings such as
`FRAME_HEADER_SIZE + size(slot_ref)`.

The language is integers, constant names, size(struct), align(struct),
parentheses and + - * // << >> |. Nothing else is evaluated, and nothing
grows without bound: the text, the chain of constants an expression may
pass through, and every intermediate value (which stays inside +-2^64)."""

import ast

MAX_TEXT = 1024         # characters of one expression
MAX_CHAIN = 64          # constants one value may depend on through each other
LIMIT = 1 << 64         # every intermediate value v has -LIMIT < v < LIMIT

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b,
}


_OP_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//",
            ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|"}


def _int_text(v):
    return str(v) if abs(v) < 1 << 32 else hex(v)


class ExprError(Exception):
    def __init__(self, message, owner=None):
        super().__init__(message)
        self.owner = owner      # the constant whose expr holds the fault


class _DependsOnError(ExprError):
    """A constant's expr uses a constant whose own expr is already reported."""


def derive_constants(errs, schema):
    """Fill in `value` of every constant given by `expr`, in dependency order.

    Each fault is reported once, at the constant whose expr holds it; the
    constants that only depend on it get the value 0 and no error of their own."""
    by_name = {c.name: c for c in schema.constants}
    state = {}   # name -> "busy" | "done" | "failed"

    def value_of(name, chain):
        c = by_name.get(name)
        if c is None:
            raise ExprError(f"unknown constant '{name}'")
        if state.get(name) == "busy":
            loop = chain[chain.index(name):] + [name]
            raise ExprError("constants depend on each other in a cycle: "
                            + " -> ".join(loop), owner=c)
        if state.get(name) == "failed":
            raise _DependsOnError(f"constant '{name}' has an error")
        if len(chain) > MAX_CHAIN:
            raise ExprError(f"constants depend on each other more than {MAX_CHAIN} "
                            "deep", owner=c)
        if c.expr is not None and state.get(name) != "done":
            state[name] = "busy"
            try:
                c.value = _eval(c.expr, schema, lambda n: value_of(n, chain + [name]))
            except ExprError as e:
                state[name] = "failed"
                c.value = 0
                if e.owner is None:
                    e.owner = c
                raise
            state[name] = "done"
        if not isinstance(c.value, int):
            raise ExprError(f"constant '{name}' is not an integer")
        return c.value

    for c in schema.constants:
        if c.expr is None or state.get(c.name) in ("done", "failed"):
            continue
        try:
            value_of(c.name, [])
        except _DependsOnError:
            pass
        except ExprError as e:
            o = e.owner
            errs.add(o.where.path, o.line_of("expr"), f"constant '{o.name}': expr "
                     f"'{o.expr}': {e}")


def _eval(text, schema, lookup):
    if len(text) > MAX_TEXT:
        raise ExprError(f"longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        raise ExprError("not an expression") from None
    except (RecursionError, MemoryError):
        raise ExprError("nested too deeply") from None
    try:
        return _node(tree.body, schema, lookup)
    except RecursionError:
        raise ExprError("nested too deeply") from None


def _node(n, schema, lookup):
    if isinstance(n, ast.Constant) and isinstance(n.value, int) \
            and not isinstance(n.value, bool):
        if not -LIMIT < n.value < LIMIT:
            raise ExprError("an integer of more than 64 bits")
        return n.value
    if isinstance(n, ast.Name):
        return lookup(n.id)
    if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
        a, b = _node(n.left, schema, lookup), _node(n.right, schema, lookup)
        if isinstance(n.op, ast.FloorDiv) and b == 0:
            raise ExprError("division by zero")
        if isinstance(n.op, (ast.LShift, ast.RShift)) and not 0 <= b <= 64:
            raise ExprError(f"shift by {b} (must be 0..64)")
        v = _BINOPS[type(n.op)](a, b)
        if not -LIMIT < v < LIMIT:
            raise ExprError(f"{_int_text(a)} {_OP_TEXT[type(n.op)]} {_int_text(b)} "
                            "leaves the 64-bit range")
        return v
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) \
            and n.func.id in ("size", "align") and len(n.args) == 1 \
            and isinstance(n.args[0], ast.Name) and not n.keywords:
        s = schema.struct(n.args[0].id)
        if s is None:
            raise ExprError(f"unknown struct '{n.args[0].id}'")
        return s.size if n.func.id == "size" else s.align
    raise ExprError("only integers, constant names, size(struct), align(struct) "
                    "and + - * // << >> | are allowed")
