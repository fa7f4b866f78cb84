"""Layer normalisation over one axis: the channels (ConvNeXt's LayerNorm2d, and nn.LayerNorm on
a channels-last tensor) or the last axis."""

from __future__ import annotations

from typing import Any

from ..dims import channel_axis, prod
from ..errors import CnnCostError
from .base import Op, Saved, need_bool, need_float, numel, register


@register
class LayerNorm(Op):
    name = "layernorm"
    summary = ("layer norm over the channels (any layout) or the last axis: 2C learnable "
               "(weight, bias), no buffers")
    args = {"eps": 1e-5, "affine": True, "axis": "channels"}
    aliases = {"elementwise_affine": "affine"}
    literals = {"axis": frozenset({"channels", "last"})}
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        if a["axis"] not in ("channels", "last"):
            raise CnnCostError(f"layernorm axis must be channels or last, got {a['axis']!r}")
        pos = channel_axis(ins[0]) if a["axis"] == "channels" else len(ins[0]) - 1
        return {"eps": need_float(a["eps"], "eps"), "affine": need_bool(a["affine"], "affine"),
                "axis": a["axis"], "pos": pos}

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        c = ins[0][a["pos"]]
        return {"weight": (c,), "bias": (c,)} if a["affine"] else {}

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        # per element: add (mean), subtract, square, add (variance), multiply by 1/std, and
        # with affine a multiply and an add; per normalised row: two divides, +eps, rsqrt
        rows = prod(out[:a["pos"]] + out[a["pos"] + 1:])
        return numel(out) * (7 if a["affine"] else 5) + 4 * rows

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # native_layer_norm keeps its input and per-row mean and rstd (fp32: the accumulation
        # type), one value per normalised row each
        rows = numel(out) // out[a["pos"]]
        return [Saved("input"), Saved("new", "ln_mean", rows, itemsize=4),
                Saved("new", "ln_rstd", rows, itemsize=4)]

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        axis = a["pos"] + 1  # batch leading
        mean = x.mean(axis=axis, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axis, keepdims=True)  # biased, as torch
        y = (x - mean) / np.sqrt(var + a["eps"])
        if a["affine"]:
            shape = [1] * x.ndim
            shape[axis] = -1
            y = y * w["weight"].reshape(shape) + w["bias"].reshape(shape)
        return y.astype(x.dtype, copy=False), 0
