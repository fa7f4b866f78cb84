"""How long: a roofline per layer and a calibrated time estimate on a catalog GPU.

Every layer becomes one or more pieces of work (its forward; in training also its backward, the
gradient sums where a tensor feeds several layers, and one optimizer step for the whole model).
Each piece has FLOPs (2 x MACs + other ops) and bytes (inputs, outputs and weights at the dtype;
in training the output gradient, the saved input, the input gradient and the weight gradient).

- **ideal**: ``max(flops / peak, bytes / bandwidth)`` with the GPU's peak for the dtype (tensor
  cores for conv/linear under tf32/fp16/bf16/amp, CUDA cores otherwise). 3x3 stride-1 convs are
  credited with Winograd's largest multiply saving (F(4x4,3x3): 4x), so the ideal stays an upper
  bound on throughput even where cuDNN's Winograd kernels beat the naive FLOP roof.
- **predicted**: the same pieces at the efficiencies real kernels reach (data/timing.yaml: GEMM
  efficiency by core type, saturation in the GEMM's N, K and M, depthwise and element-wise
  bandwidth, a per-kernel issue time), fitted to published measurements (docs/time.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..dims import prod
from ..errors import CnnCostError
from .training import grad_flags

#: --dtype -> (tensor-core peak key in the GPU catalog, activation bytes, weight bytes read by
#: the kernels, optimizer-master bytes); amp keeps fp32 master weights and fp16 copies
PRECISIONS = {
    "fp32": ("fp32", 4, 4, 4), "tf32": ("tf32", 4, 4, 4), "fp16": ("fp16", 2, 2, 2),
    "bf16": ("bf16", 2, 2, 2), "amp": ("fp16", 2, 2, 4),
}
#: optimizer -> (state tensors per parameter, FLOPs per parameter per step incl. weight decay)
OPTIMIZERS = {"none": (0, 0), "sgd": (0, 4), "momentum": (1, 6), "adam": (2, 14),
              "adamw": (2, 14)}
#: the efficiency constant of conv/linear GEMMs by the peak they run at
_GEMM_EFF = {"fp32": "gemm_fp32", "tf32": "gemm_tf32", "fp16": "gemm_tc", "bf16": "gemm_tc"}
WINOGRAD_MAX = 4.0  # F(4x4, 3x3): 36 multiplies per 16 outputs instead of 144


@lru_cache(maxsize=1)
def constants() -> dict[str, float]:
    """The fitted constants of the time model (``data/timing.yaml``)."""
    from importlib.resources import files

    import yaml

    raw = yaml.safe_load((files("cnncost") / "data" / "timing.yaml").read_text(encoding="utf-8"))
    return {k: float(v) for k, v in raw["constants"].items()}


@dataclass(frozen=True)
class Work:
    """One piece of GPU work: FLOPs, bytes, kernels, and its GEMM view (None: not a GEMM)."""

    flops: float
    bytes: float
    launches: int
    gemm: Any = None
    depthwise: bool = False
    backward: bool = False


@dataclass(frozen=True)
class LayerTime:
    """A layer's roofline and predicted time (forward, plus backward in training)."""

    name: str
    type: str
    flops: float
    bytes: float
    ideal_s: float
    time_s: float
    bound: str

    @property
    def intensity(self) -> float:
        """FLOPs per byte moved."""
        return self.flops / self.bytes if self.bytes else math.inf

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "flops": self.flops, "bytes": self.bytes,
                "intensity": None if math.isinf(self.intensity) else self.intensity,
                "bound": self.bound, "ideal_s": self.ideal_s, "time_s": self.time_s}


@dataclass
class TimeResult:
    """Predicted time of one step (a forward pass, or a training step) of a model on a GPU."""

    model: str
    gpu: str
    mode: str
    batch: int
    dtype: str
    input: tuple
    layers: list[LayerTime]
    peak_flops: float
    bandwidth: float
    epochs: float | None = None
    images: int | None = None
    training: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def latency_s(self) -> float:
        return sum(layer.time_s for layer in self.layers)

    @property
    def ideal_s(self) -> float:
        return sum(layer.ideal_s for layer in self.layers)

    @property
    def throughput_img_s(self) -> float:
        return self.batch / self.latency_s

    @property
    def ideal_throughput_img_s(self) -> float:
        return self.batch / self.ideal_s

    @property
    def step_flops(self) -> float:
        return sum(layer.flops for layer in self.layers)

    @property
    def run_s(self) -> float | None:
        """Time of the whole schedule (``--epochs``), at the predicted throughput."""
        if self.epochs is None or self.images is None:
            return None
        return self.epochs * self.images / self.throughput_img_s

    def to_dict(self) -> dict[str, Any]:
        out = {"model": self.model, "gpu": self.gpu, "mode": self.mode, "batch": self.batch,
               "dtype": self.dtype, "input": list(self.input),
               "throughput_img_s": self.throughput_img_s, "latency_s": self.latency_s,
               "ideal_throughput_img_s": self.ideal_throughput_img_s,
               "ideal_latency_s": self.ideal_s, "step_flops": self.step_flops,
               "peak_flops": self.peak_flops, "bandwidth_bytes_s": self.bandwidth}
        if self.training is not None:
            out.update(self.training.as_dict())
            out["run_s"] = self.run_s
        out["layers"] = [layer.as_dict() for layer in self.layers]
        out["notes"] = list(self.notes)
        return out


def peaks(gpu: dict[str, Any], dtype: str) -> tuple[float, float, float]:
    """(matrix peak FLOP/s, CUDA-core FP32 peak FLOP/s, bandwidth B/s) of a catalog GPU."""
    if dtype not in PRECISIONS:
        raise CnnCostError(f"unknown dtype {dtype!r} for time; choose one of "
                           + ", ".join(PRECISIONS))
    key = PRECISIONS[dtype][0]
    peak = gpu.get(key)
    if peak is None:
        raise CnnCostError(f"{gpu.get('title', 'this GPU')} has no {key.upper()} throughput in "
                           "the catalog (no such tensor cores); choose another --dtype")
    return float(peak) * 1e12, float(gpu["fp32"]) * 1e12, float(gpu["bandwidth"]) * 1e9


def _sat(x: float, half: float) -> float:
    """x / (x + half): 1/2 at ``half``, approaching 1 for large x."""
    return x / (x + half) if half > 0 else 1.0


def work_time(w: Work, dtype: str, gpu_peaks: tuple[float, float, float],
              k: dict[str, float]) -> tuple[float, float]:
    """(ideal, predicted) seconds of one piece of work."""
    mat, vec, bw = gpu_peaks
    tensor = PRECISIONS[dtype][0] != "fp32"
    g = w.gemm
    if g is not None and not w.depthwise:
        ideal_c = w.flops / (WINOGRAD_MAX if g.winograd else 1.0) / mat
        eff = k[_GEMM_EFF[PRECISIONS[dtype][0]]]
        eff *= _sat(g.n, k["n_half"]) * _sat(g.k, k["k_half"]) * _sat(g.m, k["m_half"])
        if g.winograd and not tensor:
            eff *= k["winograd_fp32"]
        pred_c = w.flops / (mat * eff)
        mem_eff = k["mem_eff"]
    else:
        ideal_c = w.flops / vec
        pred_c = ideal_c
        mem_eff = k["mem_eff"]
        if w.depthwise:
            mem_eff = k["dw_mem_eff"] * (k["dw_backward"] if w.backward else 1.0)
    ideal = max(ideal_c, w.bytes / bw)
    pred = max(pred_c, w.bytes / (bw * mem_eff))
    return ideal, max(pred, w.launches * k["issue_s"])


def layer_work(graph: Any, nodes: list[Any], batch: int, dtype: str, train: bool,
               optimizer: str) -> list[tuple[Any, list[Work]]]:
    """Per node (None for the optimizer step): the pieces of work of one step."""
    from .training import backward_counts

    _, act, wbytes, master = PRECISIONS[dtype]
    flags = grad_flags(graph) if train else None
    backward = backward_counts(graph) if train else {}
    consumers: dict[int, int] = {}
    for n in nodes:
        for j in n.inputs:
            consumers[j] = consumers.get(j, 0) + 1
    out = []
    for n in nodes:
        ins = [graph.nodes[j].shape for j in n.inputs]
        work = [_forward(n, ins, batch, act, wbytes, train)]
        casts = dtype == "amp" and work[0].gemm is not None
        if casts:  # autocast copies each conv/linear weight to fp16 every step
            work.append(Work(0, n.params * (master + wbytes), 1))
        if train and flags[n.index]:
            work += _backward(n, ins, batch, act, wbytes, backward[n.index],
                              tuple(flags[j] for j in n.inputs), consumers.get(n.index, 0))
            if casts:  # and the fp16 weight gradient back to fp32
                work.append(Work(0, n.params * (master + wbytes), 1, backward=True))
        out.append((n, [w for w in work if w.launches]))
    if train and optimizer != "none":
        out.append((None, [_optimizer(nodes, optimizer, dtype, master)]))
    return out


def _forward(n: Any, ins: list, batch: int, act: int, wbytes: int, train: bool) -> Work:
    launches = n.op.launches(n.args, train) if n.op is not None else 0
    if not launches:
        return Work(0, 0, 0)
    gemm = _batched(n.op.gemm(n.args, ins, n.shape), batch)
    moved = (sum(prod(s) for s in ins) + n.elements) * act * batch
    flops = (2 * n.macs + n.other_ops) * batch
    return Work(flops, moved + n.params * wbytes, launches, gemm, _depthwise(gemm))


def _batched(gemm: Any, batch: int) -> Any:
    """The GEMM view of a whole batch (M grows with the batch)."""
    return None if gemm is None else gemm._replace(m=gemm.m * batch)


def _depthwise(gemm: Any) -> bool:
    """Per group a product too small for a matrix engine (depthwise: 1 x kh*kw per channel);
    cuDNN runs these as bandwidth-bound direct kernels."""
    return gemm is not None and gemm.groups > 1 and gemm.n * gemm.k <= 64


def _backward(n: Any, ins: list, batch: int, act: int, wbytes: int, counts: tuple,
              grads: tuple, consumers: int) -> list[Work]:
    bmacs, bother = counts
    work = []
    if consumers > 1:  # autograd sums the gradients of a tensor used several times
        e = n.elements * batch
        work.append(Work((consumers - 1) * e, 3 * (consumers - 1) * e * act, consumers - 1))
    if not (bmacs or bother or n.params):
        return work  # a view or a pass-through (add, concat, flatten)
    gemm = _batched(n.op.gemm(n.args, ins, n.shape), batch)
    out_e = n.elements * batch
    in_e = [prod(s) * batch for s in ins]
    dx = sum(e for e, g in zip(in_e, grads) if g)
    launches = (2 if gemm is not None and any(grads) else 1) + (1 if bother and gemm else 0)
    moved = (out_e * (2 if gemm is not None else 1) + in_e[0] + dx) * act
    moved += 2 * n.params * wbytes
    work.append(Work(2 * bmacs * batch + bother * batch, moved, launches, gemm,
                     _depthwise(gemm), backward=True))
    return work


def _optimizer(nodes: list[Any], optimizer: str, dtype: str, master: int) -> Work:
    slots, flops = OPTIMIZERS[optimizer]
    params = sum(n.params for n in nodes)
    tensors = sum(len(n.param_shapes) for n in nodes)
    moved = params * master * (3 + 2 * slots)  # read w, g, state; write w, state
    if dtype == "amp":
        moved += params * 2 * master  # the gradient scaler unscales every gradient
    return Work(params * flops, moved, 3 * max(1, math.ceil(tensors / 32)))


@dataclass
class Step:
    """One step of a model on a GPU, split into work, before any efficiency is applied."""

    report: Any
    gpu: str
    batch: int
    dtype: str
    train: bool
    peaks: tuple[float, float, float]
    work: list[tuple[Any, list[Work]]]


def plan_step(graph: Any, gpu: str, batch: int = 1, dtype: str = "fp32", train: bool = False,
              optimizer: str = "momentum") -> Step:
    """Split one step of a built ``graph`` on a catalog ``gpu`` into pieces of work."""
    from .report import analyze_graph
    from ..gpus import find_gpu

    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise CnnCostError(f"time needs a whole-number --batch >= 1, got {batch!r}")
    if optimizer not in OPTIMIZERS:
        raise CnnCostError(f"unknown optimizer {optimizer!r}; choose one of "
                           + ", ".join(OPTIMIZERS))
    gpu_peaks = peaks(find_gpu(gpu), dtype)
    if graph.symbolic:
        raise CnnCostError("time needs numeric input sizes (give --input 3x224x224 or --set)")
    report = analyze_graph(graph, 1, "fp32", train)
    work = layer_work(graph, report.nodes, batch, dtype, train, optimizer)
    return Step(report, gpu, batch, dtype, train, gpu_peaks, work)


def evaluate(step: Step, k: dict[str, float] | None = None) -> TimeResult:
    """Roofline and predicted time of each layer of a planned step (constants ``k``, default
    the fitted ones)."""
    k = constants() if k is None else k
    layers = []
    for node, work in step.work:
        if not work:
            continue
        ideal = pred = flops = moved = 0.0
        for w in work:
            i, p = work_time(w, step.dtype, step.peaks, k)
            ideal, pred, flops, moved = ideal + i, pred + p, flops + w.flops, moved + w.bytes
        name, kind = ("optimizer", "step") if node is None else (node.name, node.type)
        bound = "compute" if _compute_bound(work, step.peaks) else "memory"
        layers.append(LayerTime(name, kind, flops, moved, ideal, pred, bound))
    r = step.report
    return TimeResult(r.model, step.gpu, "train" if step.train else "infer", step.batch,
                      step.dtype, r.input, layers, step.peaks[0], step.peaks[2])


def predict_graph(graph: Any, gpu: str, batch: int = 1, dtype: str = "fp32",
                  train: bool = False, optimizer: str = "momentum", epochs: float | None = None,
                  images: int | None = None) -> TimeResult:
    """Roofline and predicted time of one step of a built ``graph`` on a catalog ``gpu``; with
    ``epochs`` (training), the compute and the time of the whole schedule (the Python API is
    :func:`cnncost.predict_time`)."""
    from .training import IMAGENET_TRAIN, training_compute

    if not train and (epochs is not None or images is not None):
        raise CnnCostError("--epochs and --images describe a training schedule: add --train")
    step = plan_step(graph, gpu, batch, dtype, train, optimizer)
    result = evaluate(step)
    if train:
        result.images = IMAGENET_TRAIN if images is None else images
        result.epochs = epochs
        if epochs is not None:
            result.training = training_compute(step.report, epochs, result.images)
    return result


def _compute_bound(work: list[Work], gpu_peaks: tuple[float, float, float]) -> bool:
    """Does the ideal time of the layer's largest piece come from its FLOPs?"""
    w = max(work, key=lambda x: x.flops + x.bytes)
    peak = gpu_peaks[0] if w.gemm is not None and not w.depthwise else gpu_peaks[1]
    return w.flops / peak >= w.bytes / gpu_peaks[2]
