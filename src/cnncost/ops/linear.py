"""Fully connected layer."""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .base import REQUIRED, Gemm, Op, fmt_dims, need_bool, need_int, register


@register
class Linear(Op):
    name = "linear"
    summary = "fully connected: weight out×in, optional bias (input must be flat)"
    args = {"out": REQUIRED, "bias": True}
    aliases = {"c": "out", "features": "out"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        if len(ins[0]) != 1:
            raise CnnCostError(f"linear needs a flat input, got {fmt_dims(ins[0])}; "
                               "add 'flatten' before it")
        return {"out": need_int(a["out"], "output features out", 1),
                "bias": need_bool(a["bias"], "bias")}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return (a["out"],)

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        shapes = {"weight": (a["out"], ins[0][0])}
        if a["bias"]:
            shapes["bias"] = (a["out"],)
        return shapes

    def macs(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return ins[0][0] * a["out"]

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return a["out"] if a["bias"] else 0

    # training: dW = dy^T x and dx = dy W, each in*out MACs per sample; dx only when needed
    def backward_macs(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        fwd = self.macs(a, ins, out)
        return 2 * fwd if grads[0] else fwd

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return a["out"] if a["bias"] else 0  # bias gradient: a sum of dy over the batch

    def gemm(self, a: dict[str, Any], ins: list, out: tuple) -> Gemm:
        return Gemm(1, 1, a["out"], ins[0][0])

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x, weight = xs[0], w["weight"]
        if x.ndim != 2 or weight.shape[1] != x.shape[1]:
            raise ValueError(f"linear weight {weight.shape} does not fit input {x.shape}")
        y = x @ weight.T
        if a["bias"]:
            y = y + w["bias"]
        # MACs from the GEMM operands: (n, in) @ (in, out)
        return y.astype(x.dtype, copy=False), int(x.shape[0] * x.shape[1] * weight.shape[0])
