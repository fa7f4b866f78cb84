"""Layer scale: a learnable per-channel multiply (CaiT, ConvNeXt)."""

from __future__ import annotations

from typing import Any

from ..dims import Permuted, channel_axis, channels
from .base import Op, Saved, numel, register


@register
class LayerScale(Op):
    name = "layer_scale"
    summary = ("learnable per-channel multiply, C params; torchvision keeps it on the block "
               "(CNBlock.layer_scale, C×1×1), so its torch key is the enclosing path")
    any_layout = True
    tensors_on_parent = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {"pos": channel_axis(ins[0])}

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        c = channels(ins[0])
        if type(ins[0]) is Permuted or len(ins[0]) == 1:
            return {"layer_scale": (c,)}
        return {"layer_scale": (c,) + (1,) * (len(ins[0]) - 1)}  # broadcasts over C×H×W

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return numel(out)  # one multiply per element

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("input")]  # gamma * x keeps x (gamma is a parameter)

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x = xs[0]
        shape = [1] * x.ndim
        shape[a["pos"] + 1] = -1
        return (x * w["layer_scale"].reshape(shape)).astype(x.dtype, copy=False), 0
