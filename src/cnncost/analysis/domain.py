"""The valid input domain: the smallest input at which every layer of a network is valid.

A size is valid when every layer is: each convolution and pooling window fits its padded input,
every output dimension is at least 1 and every merge sees equal shapes — the checks the
expansion already makes (:func:`builds`). Train-only sides (auxiliary heads) count only with
``train``: inference never runs them (Inception v3's AuxLogits alone would need 299).

Two questions, one test of validity, two searches:

- **Every report** states ``min_input``, the smallest square ``[C, S, S]`` for the spec's
  channel count, and for symbolic inputs one condition per spatial symbol (``["H >= 63",
  "W >= 63"]`` for AlexNet): a formula evaluated below that size is meaningless. It is found by
  doubling and bisection (:func:`min_square`, :func:`valid_when`), a dozen builds, which
  assumes validity grows with the size (a window that fits a feature map fits a larger one).
- **The ledger's** ``min_size`` (torchvision's metadata) is the definition itself: every side
  from 1 upwards until one is valid (:func:`min_square_input`), exact even where floors made
  validity non-monotone. The two agree on every bundled model (tests/analysis/test_domain.py).

>>> min_square_input("alexnet"), min_square_input("vgg16"), min_square_input("resnet50")
(63, 32, 1)
"""

from __future__ import annotations

from typing import Any

from ..dims import is_symbolic
from ..errors import CnnCostError
from ..graph import Graph

MAX_SIZE = 1 << 16  # no search above this (a network that needs more has no min_input)
LIMIT = 1024  # the ledger's exhaustive search: no bundled network needs more (else an error)


def builds(spec: Any, sets: dict[str, Any], shape: tuple | str, train: bool = False) -> bool:
    """Whether every layer of ``spec`` is valid at input ``shape``. Without ``train`` the builder
    defers the errors of train-only sides (inference never runs them); with it they are built
    strictly (``Builder.aux``)."""
    try:
        _expand(spec, sets, shape, train)
    except CnnCostError:
        return False
    return True


def _expand(spec: Any, sets: dict[str, Any], shape: tuple | str, train: bool) -> None:
    """Expand ``spec`` at ``shape``; raises CnnCostError where a layer is invalid."""
    from ..spec.bindings import environment
    from ..spec.expand import Builder

    env, bound = environment(spec, sets, shape, False)
    builder = Builder(spec)
    builder.aux = train
    builder.run(bound, env)


def _numeric_sets(graph: Graph) -> dict[str, Any]:
    """The graph's params (as bound) that do not depend on symbols: the search keeps them."""
    def numeric(v: Any) -> bool:
        return all(map(numeric, v)) if isinstance(v, (list, tuple)) else not is_symbolic(v)

    return {k: v for k, v in graph.env.items() if k in graph.spec.params and numeric(v)}


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
    size = _least(lambda s: builds(graph.spec, sets, (c, s, s)))
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
            return builds(graph.spec, sets, tuple(shape))

        least = _least(ok)
        if least is not None and least > _smallest(dim):
            out.append(f"{dim} >= {least}")
    return out


def min_square_input(model: str, *, set: dict[str, Any] | None = None, train: bool = False,
                     limit: int = LIMIT) -> int:
    """The smallest ``S`` such that the model builds at ``C x S x S`` (C from the spec), by
    trying every side from 1: torchvision's ``min_size`` by its definition."""
    from ..spec.zoo import load_spec

    spec = load_spec(model)  # an unknown model or a broken file is the caller's error, not 'no'
    if len(spec.input) != 3 or not isinstance(spec.input[0], int):
        raise CnnCostError(f"{model}: min_size needs an image input [C, H, W] with a numeric C")
    sets, c = dict(set or {}), spec.input[0]
    for side in range(1, limit + 1):
        if builds(spec, sets, f"{c}x{side}x{side}", train):
            return side
    try:  # say why the largest size fails: usually a spec error rather than a size limit
        _expand(spec, sets, f"{c}x{limit}x{limit}", train)
    except CnnCostError as exc:
        raise CnnCostError(f"{model}: no square input up to {limit} is valid ({exc})") from None
    raise AssertionError("unreachable: the largest size was just refused")
