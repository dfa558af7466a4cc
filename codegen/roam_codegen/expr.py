"""Layout expressions: parse once, then evaluate (for the worked example and
the checks) or translate to overflow-checked C.

The language is Python's expression syntax restricted to: non-negative
integers, names, parentheses, + - * // %, the calls size(struct),
align(struct), offset(region), end(region) and align_up(x, a); in checks
also the comparisons == != < <= > >= and `and`. Every value is an unsigned
64-bit integer: a result outside 0 .. 2**64 - 1 is an error, in Python as in
the generated C.

Another use narrows the language and moves its bounds with its own Language
passed to parse(): derive.py does so for constants' `expr`."""

import ast
from .record import record

U64_MAX = (1 << 64) - 1
MAX_TEXT = 400          # characters in one expression
MAX_NODES = 200         # syntax nodes in one expression

ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%",
         ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|"}
COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
           ast.GtE: ">="}
CALLS = {"size": 1, "align": 1, "offset": 1, "end": 1, "align_up": 2}
# Calls whose argument is the name of a struct or region, not a value.
NAME_CALLS = {"size", "align", "offset", "end"}


@record(frozen=True)
class Language:
    """What one use of expressions allows: operators, calls, bounds."""
    ops: frozenset          # ast operator types of ARITH
    calls: frozenset        # names of CALLS
    max_text: int           # characters in one expression
    max_nodes: object       # syntax nodes in one expression, or None (max_text bounds it)
    low: int                # every value v has low <= v <= U64_MAX
    max_shift: int          # largest shift count
    allowed: str            # what the language allows, for the error message
    outside: str            # how a value beyond the bounds is told
    show: object = str      # text of a number in messages


# Layout formulas and checks.
FORMULA = Language(
    ops=frozenset(ARITH), calls=frozenset(CALLS), max_text=MAX_TEXT, max_nodes=MAX_NODES,
    low=0, max_shift=63,
    allowed="integers, names, size/align/offset/end/align_up() and + - * // % << >> |",
    outside="is outside 0 .. 2**64 - 1")


class ExprError(Exception):
    """A fault in an expression; the message names it."""


@record
class Expr:
    text: str
    tree: ast.AST
    is_check: bool
    lang: Language = FORMULA

    def nodes(self):
        """Every node of the tree, in ast.walk order (walked once)."""
        nodes = self.__dict__.get("_nodes")
        if nodes is None:
            nodes = self.__dict__["_nodes"] = list(ast.walk(self.tree))
        return nodes

    def names(self):
        """Value names the expression reads, in order (not the struct or
        region names given to size/align/offset/end, nor the functions)."""
        calls = [n for n in self.nodes() if isinstance(n, ast.Call)]
        skip = {id(n.args[0]) for n in calls if n.func.id in NAME_CALLS}
        skip.update(id(n.func) for n in calls)
        out = []
        for n in self.nodes():
            if isinstance(n, ast.Name) and id(n) not in skip and n.id not in out:
                out.append(n.id)
        return out

    def calls(self, fn):
        """Arguments of every call of fn (a struct or region name each)."""
        return [n.args[0].id for n in self.nodes()
                if isinstance(n, ast.Call) and n.func.id == fn]


def parse(text, check=False, lang=FORMULA):
    """Parse `text`; raise ExprError for anything outside the language."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ExprError("must be an expression (a string or an integer)")
    text = str(text)
    if len(text) > lang.max_text:
        raise ExprError(f"is longer than {lang.max_text} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        raise ExprError("is not an expression") from None
    except (RecursionError, MemoryError):
        raise ExprError("is nested too deeply") from None
    if lang.max_nodes is not None and sum(1 for _ in ast.walk(tree)) > lang.max_nodes:
        raise ExprError(f"has more than {lang.max_nodes} parts")
    try:
        _shape(tree, check, lang, top=True)
    except RecursionError:
        raise ExprError("is nested too deeply") from None
    return Expr(text, tree, check, lang)


def _shape(n, check, lang, top=False):
    if isinstance(n, ast.Constant):
        if isinstance(n.value, bool) or not isinstance(n.value, int):
            raise ExprError(f"'{n.value!r}' is not an integer")
        if n.value > U64_MAX:
            raise ExprError(f"{n.value} does not fit in 64 bits")
        return
    if isinstance(n, ast.Name):
        return
    if isinstance(n, ast.BinOp) and type(n.op) in lang.ops:
        _shape(n.left, check, lang)
        _shape(n.right, check, lang)
        return
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) \
            and n.func.id in lang.calls and not n.keywords:
        want = CALLS[n.func.id]
        if len(n.args) != want:
            raise ExprError(f"{n.func.id}() takes {want} argument{'s' if want > 1 else ''}")
        if n.func.id in NAME_CALLS:
            if not isinstance(n.args[0], ast.Name):
                raise ExprError(f"{n.func.id}() takes a name")
        else:
            for a in n.args:
                _shape(a, check, lang)
        return
    if check and isinstance(n, ast.Compare) and len(n.ops) == 1 \
            and type(n.ops[0]) in COMPARE:
        _shape(n.left, check, lang)
        _shape(n.comparators[0], check, lang)
        return
    if check and top and isinstance(n, ast.BoolOp) and isinstance(n.op, ast.And):
        for v in n.values:
            if not isinstance(v, ast.Compare):
                raise ExprError("each side of 'and' must be a comparison")
            _shape(v, check, lang)
        return
    if check:
        raise ExprError("only comparisons joined by 'and' of integers, names, "
                        "size/align/offset/end/align_up() and + - * // % are allowed")
    raise ExprError(f"only {lang.allowed} are allowed")


# ---- Evaluation ------------------------------------------------------------

def evaluate(e, env, calls=None):
    """Value of e. env: name -> int (a lookup that is missing a name raises
    KeyError or an ExprError of its own); calls: fn -> callable(name) for
    size/align/offset/end, by default taken from env. Raises ExprError when a
    value leaves the language's bounds or a name is unknown."""
    return _eval(e.tree, env, env if calls is None else calls, e.lang)


def _eval(n, env, calls, lang):
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.Name):
        try:
            return env[n.id]
        except KeyError:
            raise ExprError(f"unknown name '{n.id}'") from None
    if isinstance(n, ast.BinOp):
        a, b = _eval(n.left, env, calls, lang), _eval(n.right, env, calls, lang)
        op = type(n.op)
        if op in (ast.FloorDiv, ast.Mod) and b == 0:
            raise ExprError("division by zero")
        if op in (ast.LShift, ast.RShift) and not 0 <= b <= lang.max_shift:
            raise ExprError(f"shift by {b} (must be 0..{lang.max_shift})")
        v = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
             ast.FloorDiv: lambda: a // b, ast.Mod: lambda: a % b,
             ast.LShift: lambda: a << b, ast.RShift: lambda: a >> b,
             ast.BitOr: lambda: a | b}[op]()
        if not lang.low <= v <= U64_MAX:
            raise ExprError(f"{lang.show(a)} {ARITH[op]} {lang.show(b)} {lang.outside}")
        return v
    if isinstance(n, ast.Call):
        fn = n.func.id
        if fn in NAME_CALLS:
            return calls[fn](n.args[0].id)
        x, a = _eval(n.args[0], env, calls, lang), _eval(n.args[1], env, calls, lang)
        if a == 0 or a & (a - 1):
            raise ExprError(f"align_up to {a}, which is not a power of two")
        v = (x + a - 1) // a * a
        if v > U64_MAX:
            raise ExprError(f"align_up({x}, {a}) is outside 0 .. 2**64 - 1")
        return v
    if isinstance(n, ast.Compare):
        a, b = _eval(n.left, env, calls, lang), _eval(n.comparators[0], env, calls, lang)
        return int({ast.Eq: a == b, ast.NotEq: a != b, ast.Lt: a < b, ast.LtE: a <= b,
                    ast.Gt: a > b, ast.GtE: a >= b}[type(n.ops[0])])
    if isinstance(n, ast.BoolOp):
        return int(all(_eval(v, env, calls, lang) for v in n.values))
    raise ExprError("cannot evaluate")     # parse() lets nothing else through


# ---- C ----------------------------------------------------------------------

C_ARITH = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.FloorDiv: "div",
           ast.Mod: "mod", ast.LShift: "shl", ast.RShift: "shr", ast.BitOr: "or"}


def to_c(e, name, call, ovf="ovf"):
    """C text of e. name(id) gives the C text of a value name, call(fn, arg)
    that of size/align/offset/end. Arithmetic goes through the generated
    roam_layout__<op>(a, b, &ovf) helpers, which set ovf on overflow."""
    return _c(e.tree, name, call, ovf)


def _c(n, name, call, ovf):
    if isinstance(n, ast.Constant):
        return f"UINT64_C({n.value})"
    if isinstance(n, ast.Name):
        return name(n.id)
    if isinstance(n, ast.BinOp):
        a, b = _c(n.left, name, call, ovf), _c(n.right, name, call, ovf)
        return f"roam_layout__{C_ARITH[type(n.op)]}({a}, {b}, &{ovf})"
    if isinstance(n, ast.Call):
        if n.func.id in NAME_CALLS:
            return call(n.func.id, n.args[0].id)
        a, b = (_c(x, name, call, ovf) for x in n.args)
        return f"roam_layout__align_up({a}, {b}, &{ovf})"
    if isinstance(n, ast.Compare):
        a, b = _c(n.left, name, call, ovf), _c(n.comparators[0], name, call, ovf)
        return f"{a} {COMPARE[type(n.ops[0])]} {b}"
    if isinstance(n, ast.BoolOp):
        return " && ".join(f"({_c(v, name, call, ovf)})" for v in n.values)
    raise ExprError("cannot translate")
