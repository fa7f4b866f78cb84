"""Values flowing through an imported graph: activations, and constants folded statically.

Shape subgraphs (``Shape → Gather → Unsqueeze → Concat → Reshape``) are evaluated here with
Python ints and sympy expressions, so an export with symbolic H and W still gives exact shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dims import as_int, floor_div, is_symbolic


@dataclass
class Data:
    """An activation: the output of IR node ``idx`` (its shape is per sample)."""

    idx: int


@dataclass
class Const:
    """A constant tensor: its dims and, when known, its flat values (ints, floats or sympy)."""

    dims: tuple
    values: list | None = None

    @property
    def scalar(self) -> Any:
        """The single value of a one-element constant, else None."""
        if self.values is not None and len(self.values) == 1:
            return self.values[0]
        return None


def from_array(dims: tuple, flat: list | None) -> Const:
    """A Const from flat values (None when they are not known)."""
    if flat is None:
        return Const(tuple(dims))
    return Const(tuple(dims), [as_int(v) if isinstance(v, float) else v for v in flat])


def same(a: Any, b: Any) -> bool:
    """Equal dims, also for sympy expressions that differ only in form."""
    if a == b:
        return True
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.expand(a - b) == 0
    return False


def _binary(op: str, x: Any, y: Any) -> Any:
    if op == "Add":
        return x + y
    if op == "Sub":
        return x - y
    if op == "Mul":
        return x * y
    if isinstance(x, int) and isinstance(y, int) or is_symbolic(x) or is_symbolic(y):
        return floor_div(x, y)  # integer division of shape values (ONNX Div on int64)
    return x / y


def broadcast(op: str, a: Const, b: Const) -> Const:
    """Element-wise arithmetic of two known constants (1-D or scalars)."""
    if a.values is None or b.values is None:
        return Const(a.dims if len(a.dims) >= len(b.dims) else b.dims)
    xs, ys = a.values, b.values
    if len(xs) == 1 and len(ys) != 1:
        xs = xs * len(ys)
    if len(ys) == 1 and len(xs) != 1:
        ys = ys * len(xs)
    dims = a.dims if len(a.values) >= len(b.values) else b.dims
    return Const(dims, [as_int(_binary(op, x, y)) for x, y in zip(xs, ys)])


def product(values: list) -> Any:
    """The product of dims."""
    out: Any = 1
    for v in values:
        out = out * v
    return out


@dataclass
class Shuffle:
    """A channel shuffle in progress: ``x`` viewed as (g, C/g, H, W) (stage 1), then with the
    two group axes swapped (stage 2); viewing it back as C×H×W is ``channel_shuffle``."""

    idx: int
    groups: int
    stage: int = 1
