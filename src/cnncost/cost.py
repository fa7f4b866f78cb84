"""The cost record: what one layer, one block or one whole network costs.

>>> a = Cost(params=10, macs=100)
>>> b = Cost(params=5, macs=50, activation_bytes=64)
>>> (a + b).params, (a + b).macs, (a + b).activation_bytes
(15, 150, 64)
>>> Cost.total([a, b, b]) == a + b + b
True
"""

from __future__ import annotations

from operator import add
from typing import Any, Iterable, NamedTuple

from .dims import all_ints, is_symbolic


def sum_dims(values: list[Any] | tuple[Any, ...]) -> Any:
    """The sum of ints or sympy expressions (ints only: plain ``sum``, no sympy import)."""
    if all_ints(values):  # the common case
        return sum(values)
    if any(is_symbolic(v) for v in values):
        import sympy

        return sympy.Add(*values)
    return sum(values)


class Cost(NamedTuple):
    """Counts of one row or one total; each field is an int or a sympy expression.

    ``params``: learnable elements; ``macs``: conv/linear multiply-accumulates; ``activation_bytes``:
    bytes the outputs allocate; ``buffers``: non-learnable elements (BN running stats);
    ``other_ops``: non-MAC work (bias adds, BN, activations, pooling, merges). The field order is
    the order of the JSON and CSV columns. ``backward_macs`` and ``backward_other_ops``: the
    backward pass of a training step (analysis/training.py).

    An immutable record (a named tuple: a report makes one per layer, and a tuple is the
    cheapest record Python builds); ``+`` adds field-wise, and the tuple's own repetition and
    concatenation are refused.
    """

    params: Any = 0
    macs: Any = 0
    activation_bytes: Any = 0
    buffers: Any = 0
    other_ops: Any = 0
    backward_macs: Any = 0       # training: weight + input gradients (analysis/training.py)
    backward_other_ops: Any = 0  # training: non-MAC work of backward

    def __add__(self, other: Any) -> Cost:  # type: ignore[override]
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(*map(add, self, other))

    def __mul__(self, other: Any) -> Any:  # type: ignore[override]
        return NotImplemented  # not the tuple's repetition

    __rmul__ = __mul__

    @classmethod
    def total(cls, costs: Iterable[Cost], numeric: bool = False) -> Cost:
        """The field-wise sum of many costs (one sympy ``Add`` per field when symbolic;
        ``numeric``: the caller knows every count is a plain number, so no field is checked)."""
        columns = list(zip(*costs))
        if not columns:
            return cls()
        return cls(*map(sum if numeric else sum_dims, columns))

    @property
    def flops(self) -> Any:
        """2 × MACs: the 'FLOPs' of papers that count a multiply and an add separately."""
        return 2 * self.macs

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value, in column order."""
        return dict(zip(FIELDS, self))


FIELDS: tuple[str, ...] = Cost._fields
