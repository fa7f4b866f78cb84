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
Shape = tuple  # tuple[Dim, ...], per sample: (C, H, W) or (F,); a Permuted when not channels-first


class Permuted(tuple):
    """A per-sample shape stored in a permuted axis order, as torch's ``permute`` leaves it.

    The dims are in stored (torch) order; ``order[i]`` is the channels-first axis at position
    ``i`` (0 = channels). Plain tuples are channels-first, the common case, so ops and the hot
    path never see this type unless a spec permutes. Never equal to a plain tuple of the same
    dims (the rule memo and merges must tell the layouts apart).

    >>> last = permute((96, 56, 48), (0, 2, 3, 1))
    >>> last, channels(last), layout_name(last)
    (Permuted((56, 48, 96), order=(1, 2, 0)), 96, 'channels_last')
    >>> permute(last, (0, 3, 1, 2)) == (96, 56, 48)
    True
    """

    order: tuple[int, ...]

    def __new__(cls, dims: Any, order: tuple[int, ...]) -> Permuted:
        self = super().__new__(cls, dims)
        self.order = tuple(order)
        return self

    def __getnewargs__(self) -> tuple:
        return tuple(self), self.order

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Permuted) and self.order == other.order
                and tuple.__eq__(self, other))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((tuple(self), self.order))

    def __repr__(self) -> str:
        return f"Permuted({tuple(self)!r}, order={self.order!r})"


def _order(shape: Shape) -> tuple[int, ...]:
    return shape.order if type(shape) is Permuted else tuple(range(len(shape)))


def channels(shape: Shape) -> Dim:
    """The channel count of a shape in any layout (features of a flat one)."""
    return shape[0] if type(shape) is not Permuted else shape[shape.order.index(0)]


def channel_axis(shape: Shape) -> int:
    """Position of the channel axis in the stored order (0 when channels-first)."""
    return 0 if type(shape) is not Permuted else shape.order.index(0)


def channels_first(shape: Shape) -> tuple:
    """The dims in channels-first order (C, H, W), whatever the layout."""
    if type(shape) is not Permuted:
        return tuple(shape)
    out = [None] * len(shape)
    for pos, axis in enumerate(shape.order):
        out[axis] = shape[pos]
    return tuple(out)


def relayout(template: Shape, dims: Any) -> Shape:
    """``dims`` in the layout of ``template`` (an op that keeps its input's axis order)."""
    return Permuted(dims, template.order) if type(template) is Permuted else tuple(dims)


def permute(shape: Shape, dims: tuple[int, ...]) -> Shape:
    """torch's ``x.permute(dims)`` on a per-sample shape; ``dims`` include the batch axis 0."""
    perm = [d - 1 for d in dims[1:]]
    order = _order(shape)
    new_order = tuple(order[p] for p in perm)
    out = tuple(shape[p] for p in perm)
    return out if new_order == tuple(range(len(out))) else Permuted(out, new_order)


def layout_name(shape: Shape) -> str:
    """``channels_first``, ``channels_last`` or ``permuted(1,0,2)`` (stored axis order)."""
    order = _order(shape)
    if order == tuple(range(len(order))):
        return "channels_first"
    if order == (*range(1, len(order)), 0):
        return "channels_last"
    return "permuted(" + ",".join(map(str, order)) + ")"


_PLAIN = (int, float, bool, list, tuple, str, type(None))


def is_symbolic(x: Any) -> bool:
    """True for sympy objects (anything that is not a plain Python number, bool or sequence)."""
    return not isinstance(x, _PLAIN)


_INT = {int}


def all_ints(values: Any) -> bool:
    """Whether every value is a plain ``int`` (no bool, float or sympy): the common case of sizes
    and counts, checked in C."""
    return set(map(type, values)) <= _INT


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
