"""The numpy reference pass: run a graph on random weights and check the analysis layer by layer.

Weights are drawn with the shapes the analysis gives (``Node.param_shapes``/``buffer_shapes``);
each op's numpy ``forward`` then runs on them and reports the MACs its kernel performed, counted
from the operand shapes it contracted. For every layer three facts are compared with the analysis:
the output shape, the number of learnable elements the kernel read, and the MACs it counted.

>>> from cnncost.api import build_graph
>>> v = verify(build_graph("alexnet", input="3x63x63"))
>>> v.ok, len(v.layers), v.output.shape
(True, 22, (1, 1000))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..graph import Graph, Node
from ..errors import CnnCostError

Weights = dict[int, dict[str, np.ndarray]]  # node index -> tensor name -> array
Progress = Callable[[int, int, str], None]  # (layers done, layers to run, current layer)


@dataclass
class LayerCheck:
    """One layer: what the analysis says and what the numpy kernel did."""

    name: str
    type: str
    expected_output: tuple
    actual_output: tuple | None
    expected_params: int
    actual_params: int | None
    expected_macs: int
    counted_macs: int | None
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type,
            "expected_output": list(self.expected_output),
            "actual_output": None if self.actual_output is None else list(self.actual_output),
            "expected_params": self.expected_params, "actual_params": self.actual_params,
            "expected_macs": self.expected_macs, "counted_macs": self.counted_macs, "ok": self.ok,
        }


@dataclass
class Verification:
    """The outcome of a reference run: per-layer checks, the final output, any kernel error."""

    model: str
    input: tuple
    batch: int
    layers: list[LayerCheck]
    output: np.ndarray | None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the torch agreement, when run

    @property
    def ok(self) -> bool:
        extra_ok = all(v.get("ok", True) for v in self.extra.values() if isinstance(v, dict))
        return self.error is None and all(c.ok for c in self.layers) and extra_ok

    @property
    def mismatches(self) -> list[LayerCheck]:
        return [c for c in self.layers if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"model", "input", "ok", "layers": [...]}`` (+ ``error``/extras)."""
        out: dict[str, Any] = {"model": self.model, "input": list(self.input), "ok": self.ok,
                               "layers": [c.as_dict() for c in self.layers]}
        if self.error is not None:
            out["error"] = self.error
        out.update(self.extra)
        return out


class _Tracked(dict):
    """A weight dict that remembers which tensors the kernel read."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def _numeric(graph: Graph) -> None:
    if graph.symbolic:
        raise CnnCostError("verify needs numbers: the input or a param is symbolic; pass "
                           "--input 3x224x224 or bind the symbols with --set H=224")


#: random weights are slices of a seeded pool of uniform values (a prime length, so tensor rows do
#: not line up with its period), tiled from a random offset: 100M-parameter nets get their weights
#: at memory speed instead of seconds of RNG; their values only need to be finite and varied
POOL = 65_537


def _random_tensor(rng: np.random.Generator, pool: np.ndarray, name: str, shape: tuple,
                   dtype: Any) -> np.ndarray:
    """He-uniform weights (fan-in), BN-like scales near 1, small biases and means."""
    size = math.prod(shape)
    start = int(rng.integers(POOL))
    buf = np.empty((-(-size // POOL), POOL), dtype=dtype)
    buf[:] = pool[start:start + POOL]  # pool holds two periods; uniform in [0, 1)
    t = buf.reshape(-1)[:size].reshape(shape)
    if name == "weight" and len(shape) > 1:
        bound = math.sqrt(6.0 / math.prod(shape[1:]))
        t *= 2.0 * bound
        t -= bound
    elif name in ("weight", "running_var"):
        t += 0.5
    else:
        t *= 0.2
        t -= 0.1
    return t


def random_weights(graph: Graph, seed: int = 0, dtype: Any = np.float32,
                   train: bool = False) -> Weights:
    """Random tensors for every node, shaped as the analysis says (params and buffers)."""
    _numeric(graph)
    rng = np.random.default_rng(seed)
    pool = np.tile(rng.random(POOL), 2).astype(dtype)
    out: Weights = {}
    for node in graph.nodes[1:]:
        if node.train_only and not train:
            continue
        shapes = {**node.param_shapes, **node.buffer_shapes}
        out[node.index] = {k: _random_tensor(rng, pool, k, tuple(s), dtype)
                           for k, s in shapes.items()}
    return out


def random_input(graph: Graph, batch: int = 1, seed: int = 0,
                 dtype: Any = np.float32) -> np.ndarray:
    """A standard-normal input batch (its own stream, so weights do not shift it)."""
    _numeric(graph)
    rng = np.random.default_rng([seed, 1])
    return rng.standard_normal((batch, *graph.input_shape)).astype(dtype)


def _last_uses(nodes: list[Node]) -> dict[int, int]:
    last: dict[int, int] = {}
    for node in nodes:
        for i in node.inputs:
            last[i] = node.index
    return last


def run(graph: Graph, weights: Weights, x: np.ndarray, train: bool = False,
        progress: Progress | None = None) -> Verification:
    """Execute ``graph`` on ``x`` with ``weights`` and check every layer against the analysis."""
    _numeric(graph)
    batch = int(x.shape[0])
    if tuple(x.shape[1:]) != tuple(graph.input_shape):
        raise CnnCostError(f"input batch {x.shape} does not match the graph input "
                           f"{graph.input_shape}")
    nodes = graph.nodes_for(train)[1:]
    last = _last_uses(nodes)
    values: dict[int, np.ndarray] = {0: x}
    checks: list[LayerCheck] = []
    error = None
    for done, node in enumerate(nodes):
        if progress is not None:
            progress(done, len(nodes), node.name)
        expected = (batch, *node.shape)
        w = _Tracked(weights.get(node.index, {}))
        try:
            y, counted = node.op.forward(node.args, [values[i] for i in node.inputs], w)
        except (ValueError, TypeError, IndexError, KeyError, NotImplementedError) as exc:
            checks.append(LayerCheck(node.name, node.type, expected, None, node.params, None,
                                     batch * node.macs, None, False))
            error = f"{node.name} ({node.type}): {type(exc).__name__}: {exc}"
            break
        actual_params = sum(int(w[k].size) for k in w.read if k not in node.buffer_shapes)
        ok = (tuple(y.shape) == expected and actual_params == node.params
              and int(counted) == batch * node.macs)
        checks.append(LayerCheck(node.name, node.type, expected, tuple(y.shape), node.params,
                                 actual_params, batch * node.macs, int(counted), ok))
        values[node.index] = y
        for i in node.inputs:  # free what no later node reads
            if last.get(i) == node.index and i != graph.output:
                values.pop(i, None)
    if progress is not None:
        progress(len(nodes), len(nodes), "")
    output = values.get(graph.output) if error is None else None
    return Verification(graph.name, tuple(graph.input_shape), batch, checks, output, error)


def memory_estimate(graph: Graph, batch: int, train: bool = False, itemsize: int = 8) -> int:
    """Bytes a reference run needs, from the analysis: weights, the input and the peak of the live
    activations at ``batch`` (the run frees each value after its last reader), twice over for the
    temporaries of the forward rules. Refused above ``--max-memory`` before anything is allocated."""
    _numeric(graph)
    nodes = graph.nodes_for(train)
    weights = sum(int(n.params) + int(n.buffers) for n in nodes)
    last = _last_uses(nodes[1:])
    live = peak = int(nodes[0].elements)
    for node in nodes[1:]:
        live += int(node.elements)
        peak = max(peak, live)
        live -= sum(int(graph.nodes[i].elements) for i in set(node.inputs)
                    if last.get(i) == node.index and i != graph.output)
    return itemsize * (weights + 2 * batch * peak)


def default_max_memory() -> int:
    """Half the machine's physical memory (8 GiB where it cannot be read)."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def check_memory(graph: Graph, batch: int, train: bool, limit: int | None) -> None:
    """Refuse a reference run whose estimated float64 memory is over ``limit`` bytes."""
    limit = default_max_memory() if limit is None else limit
    need = memory_estimate(graph, batch, train)
    if need > limit:
        raise CnnCostError(f"verify would need about {need / 2**30:,.1f} GiB (float64 weights, "
                           f"input and live activations at batch {batch}), over the limit of "
                           f"{limit / 2**30:,.1f} GiB; use a smaller --batch or --input, or raise "
                           "--max-memory")


def verify(graph: Graph, batch: int = 1, seed: int = 0, train: bool = False,
           dtype: Any = np.float32, progress: Progress | None = None) -> Verification:
    """Random weights from the analytic shapes, a random input, one checked reference run."""
    if batch < 1:
        raise CnnCostError(f"--batch must be at least 1, got {batch}")
    weights = random_weights(graph, seed, dtype, train)
    return run(graph, weights, random_input(graph, batch, seed, dtype), train, progress)
