"""The valid input domain: the smallest input at which every layer of a network is valid.

A symbolic result (``MACs = 2*H*W*...``) evaluated below that size is meaningless (negative sizes,
a positive MAC total), so reports state it: ``min_input`` = the smallest square ``[C, S, S]`` for
the spec's channel count, and for symbolic inputs one condition per spatial symbol
(``["H >= 63", "W >= 63"]`` for AlexNet).

The search builds the network numerically: ``S`` is the least size that builds while ``S - 1``
does not, found by doubling and bisection (validity grows with the size in every bundled model:
a window that fits a feature map fits a larger one). The inference network is searched; train-only
heads are checked by ``--aux`` as usual.
"""

from __future__ import annotations

from typing import Any

from ..dims import is_symbolic
from ..errors import CnnCostError
from ..graph import Graph

MAX_SIZE = 1 << 16  # no search above this (a network that needs more has no min_input)


def _numeric_sets(graph: Graph) -> dict[str, Any]:
    """The graph's params (as bound) that do not depend on symbols: the search keeps them."""
    def numeric(v: Any) -> bool:
        return all(map(numeric, v)) if isinstance(v, (list, tuple)) else not is_symbolic(v)

    return {k: v for k, v in graph.env.items() if k in graph.spec.params and numeric(v)}


def _builds(graph: Graph, sets: dict[str, Any], shape: tuple) -> bool:
    from ..spec.expand import build

    try:
        build(graph.spec, sets, shape)
    except CnnCostError:
        return False
    return True


def _least(ok: Any) -> int | None:
    """The least size ``s >= 1`` with ``ok(s)`` (assuming ok is monotone), or None."""
    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > MAX_SIZE:
            return None
    lo = hi // 2  # ok(lo) is false (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def min_square(graph: Graph) -> list[int] | None:
    """``[C, S, S]``: the smallest square input at which the inference network builds."""
    if len(graph.input_shape) != 3 or is_symbolic(graph.input_shape[0]):
        return None
    c, sets = int(graph.input_shape[0]), _numeric_sets(graph)
    size = _least(lambda s: _builds(graph, sets, (c, s, s)))
    return None if size is None else [c, size, size]


def _smallest(dim: Any) -> Any:
    """The least value of a size expression over positive integer symbols (all at 1: sizes grow
    with their symbols), so ``32*h >= 32`` is known to hold and is not stated."""
    return dim.subs({s: 1 for s in dim.free_symbols})


def valid_when(graph: Graph) -> list[str]:
    """Conditions on the spatial symbols of a symbolic input: ``["H >= 63", "W >= 63"]``. Each is
    the least size of that dimension with the other one at the square minimum."""
    square = min_square(graph)
    if square is None or len(graph.input_shape) != 3:
        return []
    c, sets, out = square[0], _numeric_sets(graph), []
    for axis in (1, 2):
        dim = graph.input_shape[axis]
        if not is_symbolic(dim):
            continue

        def ok(s: int, axis: int = axis) -> bool:
            shape = [c, square[1], square[2]]
            shape[axis] = s
            return _builds(graph, sets, tuple(shape))

        least = _least(ok)
        if least is not None and least > _smallest(dim):
            out.append(f"{dim} >= {least}")
    return out
