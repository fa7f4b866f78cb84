"""Whitelisted arithmetic expressions from spec files and the command line.

Text is parsed with :mod:`ast` and compiled to closures over a small set of node types; nothing is
ever passed to ``eval``, ``exec`` or ``sympy.sympify``. Numbers stay Python ints and floats; sympy
is only touched when a value in the environment already is a sympy object (symbolic analysis).

>>> compile_expr("2 * c + depths[1]")({"c": 32, "depths": [3, 4]})
68
>>> compile_expr("in.c // groups")({"in.c": 64, "groups": 2})
32
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from .dims import ceil_div, floor_div, is_symbolic, sym_max, sym_min
from .errors import CnnCostError, suggest

MAX_LENGTH = 400
MAX_NODES = 200
MAX_POW_EXPONENT = 64

_IN_ATTR = re.compile(r"\bin\.([chw])\b")


def make_divisible(v: Any, divisor: Any = 8, min_value: Any = None) -> int:
    """torchvision's ``_make_divisible``: round channels to a multiple of ``divisor``."""
    if is_symbolic(v) or is_symbolic(divisor):
        raise CnnCostError("make_divisible() needs numbers, not symbols")
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return int(new_v)


def _floor(x: Any) -> Any:
    return floor_div(x, 1)


def _ceil(x: Any) -> Any:
    return ceil_div(x, 1)


def _int(x: Any) -> Any:
    if is_symbolic(x):
        raise CnnCostError("int() needs a number, not a symbol; use floor()")
    return int(x)


def _round(x: Any, ndigits: Any = None) -> Any:
    if is_symbolic(x):
        raise CnnCostError("round() needs a number, not a symbol")
    return round(x) if ndigits is None else round(x, ndigits)


def _abs(x: Any) -> Any:
    if is_symbolic(x):
        import sympy

        return sympy.Abs(x)
    return abs(x)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "floor": _floor,
    "ceil": _ceil,
    "min": sym_min,
    "max": sym_max,
    "int": _int,
    "round": _round,
    "abs": _abs,
    "make_divisible": make_divisible,
}


def _truediv(a: Any, b: Any) -> Any:
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.Integer(a) / b if isinstance(a, int) else a / b
    if b == 0:
        raise CnnCostError("division by zero")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


def _floordiv(a: Any, b: Any) -> Any:
    if not is_symbolic(b) and b == 0:
        raise CnnCostError("division by zero")
    return floor_div(a, b)


def _mod(a: Any, b: Any) -> Any:
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.Mod(a, b)
    if b == 0:
        raise CnnCostError("division by zero")
    return a % b


def _pow(a: Any, b: Any) -> Any:
    if is_symbolic(b):
        raise CnnCostError("exponents must be numbers")
    if abs(b) > MAX_POW_EXPONENT:
        raise CnnCostError(f"exponent {b} is too large (limit {MAX_POW_EXPONENT})")
    return a**b


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _truediv,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _pow,
}

_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]


def _truth(value: Any, text: str) -> bool:
    if is_symbolic(value):
        import sympy

        if value in (sympy.true, sympy.false):
            return bool(value)
        raise CnnCostError(f"condition in {text!r} depends on symbols; give numbers with --set")
    return bool(value)


class Expr:
    """A compiled expression: call it with an environment of names to get a value."""

    __slots__ = ("text", "names", "_fn")

    def __init__(self, text: str, names: frozenset[str], fn: Compiled):
        self.text = text
        self.names = names
        self._fn = fn

    def __call__(self, env: Env) -> Any:
        return self._fn(env)

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"


def _compile(node: ast.AST, text: str, names: set[str]) -> Compiled:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CnnCostError(f"only numbers are allowed in expressions, not {value!r}")
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id.replace("__in_", "in.") if node.id.startswith("__in_") else node.id
        names.add(name)

        def lookup(env: Env, name: str = name) -> Any:
            try:
                return env[name]
            except KeyError:
                raise CnnCostError(
                    f"unknown name {name!r} in expression {text!r}" + suggest(name, list(env))
                ) from None

        return lookup
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        fn = _BINOPS[type(node.op)]
        left, right = _compile(node.left, text, names), _compile(node.right, text, names)
        return lambda env: fn(left(env), right(env))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        inner = _compile(node.operand, text, names)
        if isinstance(node.op, ast.USub):
            return lambda env: -inner(env)
        if isinstance(node.op, ast.Not):
            return lambda env: not _truth(inner(env), text)
        return inner
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise CnnCostError(
                f"unknown function {node.func.id!r} in {text!r}" + suggest(node.func.id, FUNCTIONS)
            )
        func = FUNCTIONS[node.func.id]
        args = [_compile(a, text, names) for a in node.args]
        return lambda env: func(*[a(env) for a in args])
    if isinstance(node, ast.Subscript):
        base = _compile(node.value, text, names)
        index = _compile(node.slice, text, names)

        def subscript(env: Env) -> Any:
            seq, i = base(env), index(env)
            if not isinstance(seq, (list, tuple)):
                raise CnnCostError(f"{ast.unparse(node.value)!r} is not a list in {text!r}")
            if not isinstance(i, int) or not -len(seq) <= i < len(seq):
                raise CnnCostError(f"index {i!r} out of range in {text!r}")
            return seq[i]

        return subscript
    if isinstance(node, ast.IfExp):
        cond = _compile(node.test, text, names)
        yes, no = _compile(node.body, text, names), _compile(node.orelse, text, names)
        return lambda env: yes(env) if _truth(cond(env), text) else no(env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        cmp = _CMPOPS[type(node.ops[0])]
        left, right = _compile(node.left, text, names), _compile(node.comparators[0], text, names)
        return lambda env: cmp(left(env), right(env))
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, text, names) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda env: all(_truth(p(env), text) for p in parts)
        return lambda env: any(_truth(p(env), text) for p in parts)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e, text, names) for e in node.elts]
        return lambda env: [i(env) for i in items]
    raise CnnCostError(f"{type(node).__name__} is not allowed in expression {text!r}")


@lru_cache(maxsize=4096)
def compile_expr(text: str) -> Expr:
    """Parse and compile one expression; raises CnnCostError on anything not whitelisted."""
    if len(text) > MAX_LENGTH:
        raise CnnCostError(f"expression is too long ({len(text)} characters, limit {MAX_LENGTH})")
    source = _IN_ATTR.sub(r"__in_\1", text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise CnnCostError(f"cannot parse expression {text!r}") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise CnnCostError(f"expression {text!r} is too complex ({count} nodes, limit {MAX_NODES})")
    names: set[str] = set()
    fn = _compile(tree.body, text, names)
    return Expr(text, frozenset(names), fn)


def evaluate(value: Any, env: Env) -> Any:
    """Evaluate a YAML scalar or list: strings are expressions, numbers pass, lists map."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return compile_expr(value)(env)
    if isinstance(value, list):
        return [evaluate(v, env) for v in value]
    if value is None:
        return None
    raise CnnCostError(f"expected a number or an expression, got {type(value).__name__}")
