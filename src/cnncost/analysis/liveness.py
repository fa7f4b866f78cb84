"""Storages, liveness and saved tensors of a graph on a GPU, and the activation peaks they give.

Inference: the peak of live activations (the input included) over the topological order, a tensor
living until its last consumer has run; in-place ops and views share their input's storage.
Training: what autograd saves for backward (per op type, each storage once) + the transient peak
of forward/backward on top of it. Each op states what it saves, its scratch and workspace
(``Op.saved`` and its neighbours in ``ops/base.py``); this module places them on storages. The
fit built on these is :mod:`cnncost.analysis.memory`; every rule and its source is in
docs/memory.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .report import DTYPE_BYTES as ANALYSIS_DTYPE_BYTES
from ..errors import CnnCostError
from ..graph import Graph
from ..ops import Saved

__all__ = ["DTYPE_BYTES", "Plan", "Storage", "conv_workspace", "inference_peak", "plan",
           "saved_bytes", "training_peak"]

# the analysis dtypes, less fp64: the GPU memory model covers the dtypes GPUs train and serve in
DTYPE_BYTES = {k: v for k, v in ANALYSIS_DTYPE_BYTES.items() if k != "fp64"}
#: PyTorch's caching allocator hands out blocks in multiples of 512 bytes (kMinBlockSize)
BLOCK = 512
def _round(n: int) -> int:
    return -(-n // BLOCK) * BLOCK


@dataclass(frozen=True)
class Storage:
    """A tensor storage: bytes per sample (scales with the batch) plus batch-independent bytes."""

    per_sample: int
    fixed: int = 0

    def at(self, n: int) -> int:
        return _round(self.per_sample * n + self.fixed)


@dataclass
class Plan:
    """Storages of one graph in one mode, and which node allocates, reads and saves which."""

    graph: Graph
    train: bool
    act_bytes: int
    device: str
    out: list[int] = field(default_factory=list)            # node -> storage id of its output
    storages: dict[Any, Storage] = field(default_factory=dict)
    last_use: dict[Any, int] = field(default_factory=dict)
    saved_by: dict[Any, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    input_bytes: int = 4                                     # the input batch (fp32 under amp)

    def size(self, i: int) -> int:
        """Per-sample bytes of node i's output tensor."""
        n = self.graph.nodes[i]
        return n.elements * (self.input_bytes if i == 0 else self.act_bytes)


def _allocates(node: Any, train: bool) -> bool:
    return node.op.allocates_in(node.args, train, node.allocates)


def plan(graph: Graph, train: bool, dtype: str = "fp32", amp: bool = False,
         device: str = "cuda") -> Plan:
    """Storages, liveness and saved tensors of ``graph`` (numeric shapes only)."""
    if graph.symbolic:
        raise CnnCostError("memory needs numeric input sizes (give --input 3x224x224 or --set)")
    if dtype not in DTYPE_BYTES:
        raise CnnCostError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPE_BYTES)}")
    act = 2 if amp else DTYPE_BYTES[dtype]
    p = Plan(graph, train, act, device, input_bytes=4 if amp else act)
    nodes = graph.nodes_for(train)
    keep = {n.index for n in nodes}
    for node in graph.nodes:
        i = node.index
        if i not in keep:
            p.out.append(-1)
            continue
        if i == 0 or _allocates(node, train):
            p.out.append(i)
            p.storages[i] = Storage(p.size(i))
        else:
            p.out.append(p.out[node.inputs[0]])
        for j in node.inputs:
            s = p.out[j]
            p.last_use[s] = max(p.last_use.get(s, 0), i)
        p.last_use[p.out[i]] = max(p.last_use.get(p.out[i], 0), i)
        if train and i:
            for key, storage in _saved(p, node):
                if storage is not None:
                    p.storages[key] = storage
                p.saved_by.setdefault(key, []).append(i)
    _hold_module_inputs(p, nodes)
    _hold_concat_pieces(p, nodes)
    dead_ends = {n.index for n in nodes} - {j for n in nodes for j in n.inputs}
    last = len(graph.nodes)
    for i in dead_ends | {0}:  # outputs (and the input batch) are held by the caller
        p.last_use[p.out[i]] = last
    return p


def _hold_module_inputs(p: Plan, nodes: list[Any]) -> None:
    """Eager PyTorch: a tensor passed into a module call (``x = self.layer1(x)``) stays
    referenced by the caller until the call returns. Node names mirror the module paths, so a
    tensor entering scope ``layer1`` lives until the last node named ``layer1.*`` has run."""
    last: dict[str, int] = {}
    for node in nodes[1:]:
        parts = node.name.split(".")
        for k in range(1, len(parts)):
            last[".".join(parts[:k])] = node.index
    names = p.graph.nodes
    for node in nodes[1:]:
        parts = node.name.split(".")
        for k in range(1, len(parts)):
            scope = ".".join(parts[:k]) + "."
            for j in node.inputs:
                if not names[j].name.startswith(scope):
                    s = p.out[j]
                    p.last_use[s] = max(p.last_use.get(s, 0), last[scope[:-1]])


def _hold_concat_pieces(p: Plan, nodes: list[Any]) -> None:
    """A chain of concats (DenseNet: each layer's output is concatenated after its input) is
    held as its pieces: torchvision keeps the list of all earlier outputs for the whole block and
    concatenates it afresh in every layer, so the pieces live until the chain's last concat."""
    def holds(node: Any) -> bool:
        return node.op is not None and node.op.holds_chain_pieces

    concats = [n for n in nodes if holds(n)]
    heads = {n.inputs[0] for n in concats}
    chained = [n for n in concats if n.index in heads or holds(p.graph.nodes[n.inputs[0]])]
    links = {n.index for n in chained}
    ends: dict[int, int] = {}
    for node in reversed(chained):
        end = max(node.index, ends.get(node.index, 0))  # until the chain's last concat ran
        for j in node.inputs:
            if j in links:  # the earlier concatenation itself dies as before; pass the end on
                ends[j] = max(ends.get(j, 0), end)
            else:
                p.last_use[p.out[j]] = max(p.last_use.get(p.out[j], 0), end)


def _saved(p: Plan, node: Any) -> list[tuple[Any, Storage | None]]:
    """(storage key, new storage or None for an existing one) that autograd keeps for ``node``:
    what the op says it saves (``Op.saved``), placed on this plan's storages."""
    i = node.index
    rules = node.op.saved(node.args, [p.graph.nodes[j].shape for j in node.inputs], node.shape,
                          p.device)
    if rules is None:
        p.notes.append(f"no memory rule for op {node.type!r}: assumed to keep its input")
        rules = [Saved("input")]
    out: list[tuple[Any, Storage | None]] = []
    for r in rules:
        if r.of == "output":
            out.append((p.out[i], None))
        elif r.of == "inputs":
            out.extend((s, None) for s in dict.fromkeys(p.out[j] for j in node.inputs))
        elif r.of == "new":
            size = p.act_bytes if r.itemsize is None else r.itemsize
            out.append(((r.name, i), Storage(r.elements * size, r.fixed)))
        elif r.clone_in_place and p.out[i] != i:  # run in place: a clone of the input
            out.append((("clone", i), Storage(p.size(node.inputs[0]))))
        elif r.autocast and p.input_bytes != p.act_bytes and node.inputs[0] == 0:
            # autocast casts the fp32 input batch to a 16-bit copy, and that copy is saved
            out.append((("cast", i), Storage(p.graph.nodes[0].elements * p.act_bytes)))
        else:
            out.append((p.out[node.inputs[0]], None))
    return out


def conv_workspace(p: Plan, i: int, n: int) -> int:
    """cuDNN scratch while node ``i`` runs at batch ``n``: copies of the tensors its op names
    (``Op.workspace``; empirical, docs/memory.md: on an H100 the VGG-16 inference peak is
    exactly the live tensors plus conv1_2's input and output)."""
    node = p.graph.nodes[i]
    if p.device != "cuda" or node.op is None:
        return 0
    sizes = {"input": lambda: p.size(node.inputs[0]), "output": lambda: p.size(i)}
    return sum(_round(sizes[t]() * n) for t in node.op.workspace(node.args))


def inference_peak(p: Plan, n: int, workspace: bool = False) -> int:
    """Peak bytes of live activations (input included) for a forward pass at batch ``n``;
    with ``workspace``, convolution scratch counts at its step."""
    ends: dict[int, list[Any]] = {}
    for s, end in p.last_use.items():
        ends.setdefault(end, []).append(s)
    live = peak = 0
    for i, s in enumerate(p.out):
        if s == i:
            live += p.storages[s].at(n)
            extra = conv_workspace(p, i, n) if workspace else 0
            node = p.graph.nodes[i]
            scratch = node.op.transient_bytes(node.args, node.shape) if node.op else 0
            if scratch:  # e.g. max-pool indices, alive while the op runs
                extra += _round(scratch * n)
            peak = max(peak, live + extra)
        for dead in ends.get(i, ()):
            live -= p.storages[dead].at(n)
    return peak


def saved_bytes(p: Plan, n: int) -> int:
    """Bytes autograd keeps for backward at batch ``n``, each storage counted once."""
    return sum(p.storages[k].at(n) for k in p.saved_by)


def training_peak(p: Plan, n: int, workspace: bool = False) -> int:
    """Peak activation bytes over one forward + backward at batch ``n`` (saved ones included).

    Forward: temporaries die after their last use, saved storages stay. Backward (reverse
    order): each node holds its output gradient and allocates its inputs' gradients (views for
    ops whose input gradient is a view), a second gradient reaching a tensor is summed into the
    first and freed, and saved storages are freed once the earliest node that saved them has run.
    """
    first_saver = {k: min(v) for k, v in p.saved_by.items()}
    live, peak = _forward(p, n, workspace, first_saver)
    return max(peak, _backward(p, n, workspace, first_saver, live))


def _forward(p: Plan, n: int, workspace: bool,
             first_saver: dict[Any, int]) -> tuple[dict[Any, int], int]:
    """The training forward pass: what is live at its end, and its peak."""
    created: dict[int, list[Any]] = {}
    for k, v in p.saved_by.items():
        if not isinstance(k, int):
            created.setdefault(min(v), []).append(k)
    live: dict[Any, int] = {0: p.storages[0].at(n)}
    peak = live[0]
    for node in p.graph.nodes[1:]:
        i = node.index
        if p.out[i] < 0:
            continue
        for k in created.get(i, ()):
            live[k] = p.storages[k].at(n)
        if p.out[i] == i:
            live[i] = p.storages[i].at(n)
        ws = conv_workspace(p, i, n) if workspace else 0
        peak = max(peak, sum(live.values()) + ws)
        for j in (*node.inputs, i):
            s = p.out[j]
            if p.last_use.get(s) == i and s not in first_saver:
                live.pop(s, None)
    return live, peak


def _backward(p: Plan, n: int, workspace: bool, first_saver: dict[Any, int],
              live: dict[Any, int]) -> int:
    """The backward pass in reverse order, from what the forward pass left live: its peak."""
    nodes = p.graph.nodes
    acts = sum(live.values())
    peak = 0
    buf_of: dict[int, int] = {}      # node -> gradient buffer id
    bufs: dict[int, list[int]] = {}  # buffer id -> [bytes, references]
    for i in range(len(nodes) - 1, 0, -1):
        node = nodes[i]
        if p.out[i] < 0:
            continue
        if i not in buf_of:  # an output: the loss gradient
            buf_of[i] = i
            bufs[i] = [_round(p.size(i) * n), 1]
        extra = 0
        for j in node.inputs:
            if j == 0:
                continue  # the input batch needs no gradient
            if node.op.grad_is_view:
                if j not in buf_of:
                    buf_of[j] = buf_of[i]
                    bufs[buf_of[i]][1] += 1
                continue
            size = _round(p.size(j) * n)
            if j in buf_of:
                extra += size
            else:
                buf_of[j] = -j
                bufs[-j] = [size, 1]
        ws = conv_workspace(p, i, n) if workspace else 0
        peak = max(peak, acts + sum(b[0] for b in bufs.values()) + extra + ws)
        b = buf_of.pop(i)
        bufs[b][1] -= 1
        if bufs[b][1] == 0:
            del bufs[b]
        for k, first in first_saver.items():
            if first == i and k in live:
                acts -= live.pop(k)
    return peak
