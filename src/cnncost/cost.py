"""The cost record: what one layer, one block or one whole network costs.

>>> a = Cost(params=10, macs=100)
>>> b = Cost(params=5, macs=50, activation_bytes=64)
>>> (a + b).params, (a + b).macs, (a + b).activation_bytes
(15, 150, 64)
>>> Cost.total([a, b, b]) == a + b + b
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Iterable

from .dims import is_symbolic


def sum_dims(values: list[Any]) -> Any:
    """The sum of ints or sympy expressions (ints only: plain ``sum``, no sympy import)."""
    if all(type(v) is int for v in values):  # the common case, without a call per value
        return sum(values)
    if any(is_symbolic(v) for v in values):
        import sympy

        return sympy.Add(*values)
    return sum(values)


@dataclass(frozen=True, slots=True)
class Cost:
    """Counts of one row or one total; each field is an int or a sympy expression.

    ``params``: learnable elements; ``macs``: conv/linear multiply-accumulates; ``activation_bytes``:
    bytes the outputs allocate; ``buffers``: non-learnable elements (BN running stats);
    ``other_ops``: non-MAC work (bias adds, BN, activations, pooling, merges). The field order is
    the order of the JSON and CSV columns. ``backward_macs`` and ``backward_other_ops``: the
    backward pass of a training step (analysis/training.py).
    """

    params: Any = 0
    macs: Any = 0
    activation_bytes: Any = 0
    buffers: Any = 0
    other_ops: Any = 0
    backward_macs: Any = 0       # training: weight + input gradients (analysis/training.py)
    backward_other_ops: Any = 0  # training: non-MAC work of backward

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(*(getattr(self, f) + getattr(other, f) for f in FIELDS))

    @classmethod
    def total(cls, costs: Iterable[Cost]) -> Cost:
        """The field-wise sum of many costs (one sympy ``Add`` per field when symbolic)."""
        costs = list(costs)
        return cls(*(sum_dims([getattr(c, f) for c in costs]) for f in FIELDS))

    @property
    def flops(self) -> Any:
        """2 × MACs: the 'FLOPs' of papers that count a multiply and an add separately."""
        return 2 * self.macs

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value, in column order."""
        return {f: getattr(self, f) for f in FIELDS}


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Cost))
