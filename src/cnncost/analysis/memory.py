"""Memory of a network on a GPU: weights, gradients, optimizer state, activations, and the fit.

Inference: weights + buffers + the peak of live activations (the input included) over the
topological order, a tensor living until its last consumer has run; in-place ops and views share
their input's storage. Training: weights + gradients + optimizer state + what autograd saves for
backward (per op type, each storage once) + the transient peak of forward/backward on top of it.
Every rule and its source is in docs/memory.md; the storages, their liveness and the activation
peaks are :mod:`cnncost.analysis.liveness`, this module adds the weights and the fit.

>>> from cnncost.api import build_graph
>>> r = fit_graph(build_graph("alexnet", input="3x224x224"), memory="3GiB", batch=128, train=True)
>>> r.mode, r.fits, r.max_batch > 128
('train', True, True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..dims import prod
from ..errors import CnnCostError
from ..graph import Graph
from ..gpus import CONTEXT_BYTES, find_gpu, gpus, parse_size
from .liveness import (DTYPE_BYTES, Plan, _round, inference_peak, plan, saved_bytes,
                       training_peak)

__all__ = ["BREAKDOWN_KEYS", "FitResult", "Plan", "breakdown", "check_fit", "find_gpu",
           "fit_graph", "gpus", "inference_peak", "max_batch", "parse_size", "plan", "saved_bytes", "training_peak"]

#: optimizer state tensors per parameter (torch.optim: SGD none, momentum_buffer, Adam exp_avg +
#: exp_avg_sq)
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
#: cuBLAS workspace PyTorch allocates per handle once a matmul runs (CUBLAS_WORKSPACE_CONFIG
#: default on Hopper, :4096:8 = 32 MiB)
CUBLAS_WORKSPACE = 32 * 2**20
#: the caching allocator reserves more than it hands out (blocks split and cached, 2 MiB segment
#: rounding); at the edge of a 16 GiB cap the reserve exceeded the allocated peak by 3.8%
#: (ResNet-50) and 5.1% (VGG-16) on an H100 (docs/memory.md), so 5% of the batch-dependent bytes
FRAGMENTATION = 0.05
BREAKDOWN_KEYS = ("weights", "buffers", "gradients", "optimizer_state", "activations",
                  "transient", "workspace", "overhead")


# ---- the fit ------------------------------------------------------------------------------------


def breakdown(p: Plan, n: int, optimizer: str = "momentum", dtype: str = "fp32",
              amp: bool = False, context: int = CONTEXT_BYTES) -> dict[str, int]:
    """Bytes per category (BREAKDOWN_KEYS) at batch ``n`` for a plan from :func:`plan`."""
    wb = 4 if amp else DTYPE_BYTES[dtype]
    nodes = [node for node in p.graph.nodes if p.out[node.index] >= 0]
    tensors = [prod(s) for node in nodes for s in node.param_shapes.values()]
    master = sum(_round(t * wb) for t in tensors)
    weights = master
    if amp:  # autocast's cached 16-bit copies of conv/linear weights (also saved for backward)
        weights += sum(_round(prod(s) * 2) for node in nodes
                       if node.op is not None and node.op.autocast_weights
                       for s in node.param_shapes.values())
    buffers = sum(_round(prod(s) * wb) for node in nodes for s in node.buffer_shapes.values())
    out = dict.fromkeys(BREAKDOWN_KEYS, 0)
    out.update(weights=weights, buffers=buffers, overhead=context)
    if any(node.op is not None and node.op.uses_cublas for node in nodes) and p.device == "cuda":
        out["workspace"] = CUBLAS_WORKSPACE
    if p.train:
        if optimizer not in OPTIMIZER_SLOTS:
            raise CnnCostError(f"unknown optimizer {optimizer!r}; choose one of "
                               + ", ".join(OPTIMIZER_SLOTS))
        saved = saved_bytes(p, n)
        peak = training_peak(p, n)
        out.update(gradients=master, optimizer_state=OPTIMIZER_SLOTS[optimizer] * master,
                   activations=saved, transient=peak - saved)
        out["workspace"] += training_peak(p, n, workspace=True) - peak
    else:
        peak = inference_peak(p, n)
        out["activations"] = peak
        out["workspace"] += inference_peak(p, n, workspace=True) - peak
    dynamic = out["activations"] + out["transient"] + out["workspace"]
    out["overhead"] += _round(int(FRAGMENTATION * dynamic))
    return out


@dataclass
class FitResult:
    """The verdict of :func:`fit`; ``to_dict`` gives the JSON schema of ``cnncost fit``."""

    model: str
    gpu: str
    capacity_bytes: int
    batch: int
    mode: str
    optimizer: str | None
    dtype: str
    amp: bool
    breakdown: dict[str, int]
    max_batch: int
    input: tuple
    notes: list[str]

    @property
    def total_bytes(self) -> int:
        return sum(self.breakdown.values())

    @property
    def fits(self) -> bool:
        return self.total_bytes <= self.capacity_bytes

    @property
    def margin_bytes(self) -> int:
        return self.capacity_bytes - self.total_bytes

    def to_dict(self) -> dict[str, Any]:
        """The issue's JSON schema, no more keys; ``dtype`` is ``"amp"`` for mixed precision."""
        d = asdict(self)
        keys = ("model", "gpu", "capacity_bytes", "batch", "mode", "optimizer")
        out = {k: d[k] for k in keys}
        out.update(dtype="amp" if self.amp else self.dtype, breakdown=dict(self.breakdown),
                   total_bytes=self.total_bytes, fits=self.fits, max_batch=self.max_batch)
        return out


def max_batch(total: Any, capacity: int, limit: int = 2**40) -> int:
    """Largest n with total(n) <= capacity, 0 if none: solved from total(1) and total(2) (memory
    is linear in the batch up to 512-byte rounding), then bracketed and bisected on total itself,
    so the answer is exact: total(n) <= capacity < total(n + 1). Stops at ``limit``."""
    t1, t2 = total(1), total(2)
    if t1 > capacity:
        return 0
    slope = t2 - t1
    guess = (capacity - (t1 - slope)) // slope if slope > 0 else 1
    lo, hi = 1, min(max(guess, 1), limit)
    if total(hi) <= capacity:  # grow until it no longer fits
        lo, step = hi, 1
        while hi < limit and total(hi) <= capacity:
            lo, hi, step = hi, min(hi + step, limit), step * 2
        if total(hi) <= capacity:
            return hi
    while hi - lo > 1:  # total(lo) fits, total(hi) does not
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if total(mid) <= capacity else (lo, mid)
    return lo


def check_fit(gpu: str | None, memory: str | int | None, batch: Any, train: bool, dtype: str,
              amp: bool) -> None:
    """Refuse contradictory or malformed fit settings (before anything is built)."""
    if (gpu is None) == (memory is None):
        raise CnnCostError("give either a GPU from the catalog (--gpu) or a size (--memory 12GiB)")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise CnnCostError(f"batch must be a whole number >= 1, got {batch!r}")
    if train and dtype == "int8":
        raise CnnCostError("int8 is an inference format; train in fp32, fp16, bf16 or --amp")
    if amp and dtype != "fp32":
        raise CnnCostError("--amp keeps fp32 master weights; use it with --dtype fp32")


def fit_graph(graph: Graph, gpu: str | None = None, memory: str | int | None = None,
              batch: int = 1, train: bool = False, optimizer: str = "momentum",
              dtype: str = "fp32", amp: bool = False) -> FitResult:
    """Will a built graph fit on ``gpu`` (a catalog name) or in ``memory`` bytes ("12GiB")?"""
    check_fit(gpu, memory, batch, train, dtype, amp)
    if gpu is not None:
        entry = find_gpu(gpu)
        capacity, context, label = entry["memory"], entry["context"], gpu
    else:
        capacity, context, label = parse_size(memory), CONTEXT_BYTES, f"{memory} device"
    p = plan(graph, train, dtype, amp)

    def total(n: int) -> int:
        return sum(breakdown(p, n, optimizer, dtype, amp, context).values())

    return FitResult(graph.name, label, capacity, batch, "train" if train else "inference",
                     optimizer if train else None, dtype, amp,
                     breakdown(p, batch, optimizer, dtype, amp, context),
                     max_batch(total, capacity), tuple(graph.input_shape),
                     list(dict.fromkeys(p.notes)))

