"""The functions that expressions may call (see :mod:`cnncost.expr`), with their arities.

Each takes numbers (ints, floats or, where it makes sense, sympy expressions) and gives a bounded
result or a :class:`CnnCostError`; ``len`` takes a list, ``range`` gives one of at most
``MAX_LIST_ITEMS`` items.

>>> FUNCTIONS["range"](2, 5), FUNCTIONS["make_divisible"](37.5, 8)
([2, 3, 4], 40)
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from .dims import ceil_div, floor_div, is_symbolic, sym_max, sym_min
from .errors import CnnCostError

MAX_POW_EXPONENT = 64
MAX_INT_BITS = 64  # integers in expressions stay below 2**64 in magnitude
MAX_NDIGITS = 32  # round(x, n): |n| at most this (round(3, -10**9) would compute 10**10**9)
MAX_LIST_ITEMS = 1024  # longest list that range() makes, a comprehension walks or len() takes


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
    if ndigits is not None and (is_symbolic(ndigits) or isinstance(ndigits, bool)
                                or not isinstance(ndigits, int) or abs(ndigits) > MAX_NDIGITS):
        raise CnnCostError(f"round() digits must be a whole number from -{MAX_NDIGITS} to "
                           f"{MAX_NDIGITS}, got {ndigits}")
    return round(x) if ndigits is None else round(x, ndigits)


def _abs(x: Any) -> Any:
    if is_symbolic(x):
        import sympy

        return sympy.Abs(x)
    return abs(x)


def _log(x: Any, base: Any = None) -> Any:
    """Natural log, or ``log(x, base)``; sympy's log of a symbol."""
    if is_symbolic(x) or is_symbolic(base):
        import sympy

        return sympy.log(x) if base is None else sympy.log(x, base)
    if x <= 0 or (base is not None and (base <= 0 or base == 1)):
        shown = f"{x}" if base is None else f"{x}, {base}"
        raise CnnCostError(f"log() needs positive numbers (and a base other than 1), got "
                           f"log({shown})")
    return math.log(x) if base is None else math.log(x, base)


def _range(*bounds: Any) -> list[int]:
    if any(is_symbolic(b) or isinstance(b, bool) or not isinstance(b, int) for b in bounds):
        raise CnnCostError(f"range() needs whole numbers, got {', '.join(map(str, bounds))}")
    if len(bounds) == 3 and bounds[2] == 0:
        raise CnnCostError("range() step must not be zero")
    steps = range(*bounds)
    if len(steps) > MAX_LIST_ITEMS:
        raise CnnCostError(f"range() of {len(steps):,} items is over the limit of "
                           f"{MAX_LIST_ITEMS:,}")
    return list(steps)


def _len(items: Any) -> int:
    return len(items)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "floor": _floor,
    "ceil": _ceil,
    "min": sym_min,
    "max": sym_max,
    "int": _int,
    "round": _round,
    "abs": _abs,
    "make_divisible": make_divisible,
    "log": _log,
    "range": _range,
    "len": _len,
}

#: (fewest, most) arguments of each function
ARITY: dict[str, tuple[int, int]] = {
    "floor": (1, 1), "ceil": (1, 1), "min": (1, 99), "max": (1, 99), "int": (1, 1),
    "round": (1, 2), "abs": (1, 1), "make_divisible": (1, 3), "log": (1, 2), "range": (1, 3),
    "len": (1, 1),
}
#: functions whose argument is a list, not a number
LIST_FUNCTIONS = {"len"}


# ---- the operators (by AST node type) ------------------------------------------------------

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
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() * b > 2 * MAX_INT_BITS:
        raise CnnCostError(f"{a}**{b} is too large (limit 2**{MAX_INT_BITS})")
    return a**b


BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _truediv,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _pow,
}

CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
