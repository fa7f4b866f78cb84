"""Backward counts per layer and the training compute of a schedule.

Autograd computes a gradient for a tensor only when something upstream of it requires one: the
input images do not, learnable parameters do. So the first layer that sees the data computes its
weight gradient but no input gradient, and ops upstream of every parameter run no backward at
all. Each op's own rules (``Op.backward_macs``, ``Op.backward_other_ops``) give the counts.

>>> from cnncost.api import analyze
>>> t = training_compute(analyze("resnet50"), epochs=90)
>>> t.flops_per_image                      # 2 x (forward + backward) MACs
24299077632
>>> f"{t.total_flops:.3g} FLOP = {t.pfs_days:.4f} petaflop/s-days"
'2.8e+18 FLOP = 0.0324 petaflop/s-days'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import CnnCostError

#: ImageNet-1K training images (ILSVRC-2012)
IMAGENET_TRAIN = 1_281_167
#: one petaflop/s-day in FLOP (OpenAI's "AI and Compute" unit): 1e15 FLOP/s x 86,400 s
PFS_DAY = 8.64e19


def grad_flags(graph: Any) -> list[bool]:
    """Per node index: does its output need a gradient? (it has parameters, or an input does;
    set by the graph as it grows, ``Node.needs_grad``)"""
    return [n.needs_grad for n in graph.nodes]


def backward_counts(graph: Any) -> dict[int, tuple[Any, Any]]:
    """Per node index: (backward MACs, backward non-MAC ops) per sample, which the graph asks of
    each node's op as it adds the node (``Applied.backward_counts``)."""
    return {n.index: (n.backward_macs, n.backward_other_ops) for n in graph.nodes[1:]}


@dataclass(frozen=True)
class TrainingCompute:
    """The compute of a training schedule: FLOPs = 2 x (forward + backward) MACs per image."""

    model: str
    forward_macs: Any
    backward_macs: Any
    images: int
    epochs: float

    @property
    def flops_per_image(self) -> Any:
        return 2 * (self.forward_macs + self.backward_macs)

    @property
    def flops_per_epoch(self) -> Any:
        return self.flops_per_image * self.images

    @property
    def total_flops(self) -> Any:
        return self.flops_per_epoch * self.epochs

    @property
    def pfs_days(self) -> Any:
        return self.total_flops / PFS_DAY

    def as_dict(self) -> dict[str, Any]:
        return {"forward_macs": self.forward_macs, "backward_macs": self.backward_macs,
                "flops_per_image": self.flops_per_image, "images": self.images,
                "epochs": self.epochs, "flops_per_epoch": self.flops_per_epoch,
                "total_flops": self.total_flops, "pfs_days": self.pfs_days}


def training_compute(report: Any, epochs: float = 1, images: int = IMAGENET_TRAIN) -> TrainingCompute:
    """Training compute of ``epochs`` passes over ``images`` images (per-image counts of a
    batch-1 report; the batch size does not change the FLOPs of an epoch)."""
    if isinstance(images, bool) or not isinstance(images, int) or images < 1:
        raise CnnCostError(f"--images must be a whole number >= 1, got {images!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, float)) or not epochs > 0 \
            or epochs == float("inf"):
        raise CnnCostError(f"--epochs must be a positive number, got {epochs!r}")
    if isinstance(epochs, float) and epochs.is_integer():
        epochs = int(epochs)  # whole epochs keep the FLOP totals exact integers
    batch = report.batch
    fwd, bwd = report.totals.macs, report.totals.backward_macs
    if batch != 1:  # totals are whole-batch products of per-sample counts
        fwd, bwd = _per_sample(fwd, batch), _per_sample(bwd, batch)
    return TrainingCompute(report.model, fwd, bwd, images, epochs)


def _per_sample(total: Any, batch: Any) -> Any:
    if type(total) is int and type(batch) is int:
        return total // batch
    import sympy

    return sympy.simplify(total / batch)
