"""Derived constants: evaluate `expr` strings such as
`FRAME_HEADER_SIZE + size(slot_ref)`.

The language is integers, constant names, size(struct), align(struct),
parentheses and + - * // << >> |, parsed and evaluated by expr.py. Nothing
grows without bound: the text, the chain of constants an expression may
pass through, and every intermediate value (which stays inside +-2^64)."""

import ast

from . import expr as E

MAX_TEXT = 1024         # characters of one expression
MAX_CHAIN = 64          # constants one value may depend on through each other


def _int_text(v):
    return str(v) if abs(v) < 1 << 32 else hex(v)


# Constants' expressions: no offset/end/align_up and no %; a value may go
# below zero on the way (the constant's type is checked on the result).
LANGUAGE = E.Language(
    ops=frozenset(E.ARITH) - {ast.Mod}, calls=frozenset({"size", "align"}),
    max_text=MAX_TEXT, max_nodes=None, low=-E.U64_MAX, max_shift=64,
    allowed="integers, constant names, size(struct), align(struct) and "
            "+ - * // << >> |",
    outside="leaves the 64-bit range",
    show=_int_text)


class ExprError(E.ExprError):
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
    # expr.py parses and evaluates; its faults become this module's ExprError,
    # whose owner value_of() fills in. A chain of deep expressions can still
    # exhaust Python's stack between them.
    try:
        e = E.parse(text, lang=LANGUAGE)
        return E.evaluate(e, _Values(lookup), {"size": lambda n: _struct(schema, n).size,
                                              "align": lambda n: _struct(schema, n).align})
    except RecursionError:
        raise ExprError("is nested too deeply") from None
    except ExprError:
        raise
    except E.ExprError as e:
        raise ExprError(str(e)) from None


class _Values(dict):
    """Constant names to values, each looked up (and derived) when asked for."""

    def __init__(self, lookup):
        super().__init__()
        self.lookup = lookup

    def __missing__(self, name):
        return self.lookup(name)


def _struct(schema, name):
    s = schema.struct(name)
    if s is None:
        raise ExprError(f"unknown struct '{name}'")
    return s
