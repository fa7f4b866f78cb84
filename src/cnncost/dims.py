"""Dimensions are Python ints or sympy expressions; these helpers work on both.

Nothing here imports sympy unless a value already is a sympy object, so the numeric path stays
free of it.

>>> floor_div(227 + 2 * 2 - 11, 4) + 1
56
>>> ceil_div(13, 2)
7
"""

from __future__ import annotations

import math
from typing import Any

Dim = Any  # int | sympy.Expr
Shape = tuple  # tuple[Dim, ...], per sample: (C, H, W) or (F,)


_PLAIN = (int, float, bool, list, tuple, str, type(None))


def is_symbolic(x: Any) -> bool:
    """True for sympy objects (anything that is not a plain Python number, bool or sequence)."""
    return not isinstance(x, _PLAIN)


def as_int(x: Any) -> Any:
    """Integral floats become ints, sympy integers become ints; other values pass through."""
    if type(x) is int:  # the common case, first
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if is_symbolic(x) and getattr(x, "is_Integer", False):
        return int(x)
    return x


def floor_div(a: Any, b: Any) -> Any:
    """floor(a / b) for ints, floats or sympy expressions."""
    if type(a) is int and type(b) is int:  # the common case, first
        return a // b
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return as_int(sympy.floor(sympy.Rational(a) / b if isinstance(a, int) else a / b))
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return math.floor(a / b)


def ceil_div(a: Any, b: Any) -> Any:
    """ceil(a / b) for ints, floats or sympy expressions."""
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return as_int(sympy.ceiling(sympy.Rational(a) / b if isinstance(a, int) else a / b))
    if isinstance(a, int) and isinstance(b, int):
        return -((-a) // b)
    return math.ceil(a / b)


def sym_min(*xs: Any) -> Any:
    """min() that also takes sympy expressions."""
    if any(is_symbolic(x) for x in xs):
        import sympy

        return as_int(sympy.Min(*xs))
    return min(xs)


def sym_max(*xs: Any) -> Any:
    """max() that also takes sympy expressions."""
    if any(is_symbolic(x) for x in xs):
        import sympy

        return as_int(sympy.Max(*xs))
    return max(xs)


def prod(xs: Any) -> Any:
    """Product of dims (1 for an empty sequence): ``1 * x0 * x1 ...`` left to right, as a loop
    would multiply (ints or sympy alike), in C."""
    return math.prod(xs)


def known_false(cond: Any) -> bool:
    """True only when a comparison is certainly false (numbers, or sympy that can decide it)."""
    if isinstance(cond, bool):
        return not cond
    try:
        import sympy

        return cond == sympy.false
    except Exception:  # pragma: no cover - defensive
        return False


def is_positive(x: Any) -> bool | None:
    """True/False when known, None when symbolic and undecidable."""
    if not is_symbolic(x):
        return x > 0
    return x.is_positive
