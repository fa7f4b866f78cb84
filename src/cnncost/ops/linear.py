"""Fully connected layer, on a flat input or over the last axis of a channels-last tensor."""

from __future__ import annotations

from typing import Any

from ..dims import Permuted, prod, relayout
from ..errors import CnnCostError
from .base import REQUIRED, Gemm, Op, Saved, fmt_dims, need_bool, need_int, register


@register
class Linear(Op):
    name = "linear"
    counts_depth = True
    summary = ("fully connected: weight out×in, optional bias; over the last axis "
               "(a flat input, or channels-last H×W×C as after permute)")
    args = {"out": REQUIRED, "bias": True}
    aliases = {"c": "out", "features": "out"}
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        # torch applies nn.Linear over any last axis; a channels-first C×H×W input is refused
        # because there the last axis is W, which is almost always a forgotten flatten
        if len(ins[0]) != 1 and type(ins[0]) is not Permuted:
            raise CnnCostError(f"linear needs a flat input, got {fmt_dims(ins[0])}; "
                               "add 'flatten' before it (or 'permute' to apply it per position)")
        return {"out": need_int(a["out"], "output features out", 1),
                "bias": need_bool(a["bias"], "bias")}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return relayout(ins[0], (*ins[0][:-1], a["out"]))

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        shapes = {"weight": (a["out"], ins[0][-1])}
        if a["bias"]:
            shapes["bias"] = (a["out"],)
        return shapes

    def macs(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return prod(ins[0]) * a["out"]  # positions x in x out

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return prod(out) if a["bias"] else 0

    # ---- memory rules -------------------------------------------------------------------
    autocast_weights = True
    uses_cublas = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("input", autocast=True)]

    # training: dW = dy^T x and dx = dy W, each positions*in*out MACs per sample (the forward
    # MACs); dx only when needed
    def backward_macs(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        fwd = self.macs(a, ins, out)
        return 2 * fwd if grads[0] else fwd

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return prod(out) if a["bias"] else 0  # bias gradient: a sum of dy over the positions

    def gemm(self, a: dict[str, Any], ins: list, out: tuple) -> Gemm:
        return Gemm(1, prod(ins[0][:-1]), a["out"], ins[0][-1])  # M = positions per sample

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x, weight = xs[0], w["weight"]
        if x.ndim < 2 or weight.shape[1] != x.shape[-1]:
            raise ValueError(f"linear weight {weight.shape} does not fit input {x.shape}")
        # one 2-D GEMM (a strided N-D matmul would miss BLAS): (rows, in) @ (in, out)
        x2 = x.reshape(-1, x.shape[-1])
        y = x2 @ weight.T
        if a["bias"]:
            y = y + w["bias"]
        y = y.reshape(*x.shape[:-1], weight.shape[0])
        return y.astype(x.dtype, copy=False), int(x2.shape[0] * x2.shape[1] * weight.shape[0])
