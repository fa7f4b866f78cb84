"""Ops that move or reshape data: flatten, dropout, identity, softmax, channel shuffle, chunk."""

from __future__ import annotations

from typing import Any

from ..dims import floor_div, is_symbolic
from ..errors import CnnCostError
from .base import REQUIRED, Op, Saved, need_bool, need_float, need_int, numel, register, spatial


@register
class Flatten(Op):
    name = "flatten"
    summary = "C×H×W -> C·H·W features (a view: allocates nothing)"
    inplace_default = True
    any_layout = True

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return (numel(ins[0]),)

    # ---- memory rules -------------------------------------------------------------------
    grad_is_view = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def launches(self, a: dict[str, Any], train: bool) -> int:
        return 0  # a view (or a pass-through): no kernel

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0].reshape(xs[0].shape[0], -1), 0


@register
class Dropout(Op):
    name = "dropout"
    summary = "dropout: identity at inference; keeps a mask in training"
    # inplace: torch's nn.Dropout(inplace=True), which matters in training only (no new output,
    # and a float noise tensor rather than CUDA's fused kernel's bool mask is kept)
    args = {"p": 0.5, "inplace": False}
    inplace_default = True
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        p = need_float(a["p"], "p")
        if not 0.0 <= p <= 1.0:
            raise CnnCostError(f"dropout probability p must be in [0, 1], got {p}")
        return {"p": p, "inplace": need_bool(a["inplace"], "inplace")}

    def allocates(self, a: dict[str, Any]) -> bool:
        return False  # at inference dropout returns its input, in place or not

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        if a.get("p", 0) <= 0:
            return []
        # CUDA's fused native_dropout keeps a bool mask; the CPU path and the in-place one
        # (torch.dropout_, never fused) keep a noise tensor of the input's dtype
        fused = device == "cuda" and not a.get("inplace", False)
        return [Saved("new", "mask", numel(out), itemsize=1 if fused else None)]

    def allocates_in(self, a: dict[str, Any], train: bool, allocates: bool) -> bool:
        # in place, dropout multiplies its input by the noise: no new output
        return train and a.get("p", 0) > 0 and not a.get("inplace", False)

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return numel(out) if grads[0] and a["p"] > 0 else 0  # dy times the saved mask

    def launches(self, a: dict[str, Any], train: bool) -> int:
        return 1 if train and a["p"] > 0 else 0  # identity at inference

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0], 0


@register
class Identity(Op):
    name = "identity"
    summary = "passes its input through (stochastic depth at inference, placeholders)"
    args = {"p": 0.0}
    inplace_default = True
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {"p": need_float(a["p"], "p")}

    # ---- memory rules -------------------------------------------------------------------
    grad_is_view = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def launches(self, a: dict[str, Any], train: bool) -> int:
        return 0  # a view (or a pass-through): no kernel

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0], 0


@register
class Softmax(Op):
    name = "softmax"
    summary = "softmax over channels / features"

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return 3 * numel(out)  # exp, add, divide

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("output")]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return 4 * numel(out) if grads[0] else 0  # y * (dy - sum(dy * y))

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True), 0


@register
class ChannelShuffle(Op):
    name = "channel_shuffle"
    summary = "ShuffleNet channel shuffle: reshape (g, C/g), transpose, flatten"
    args = {"groups": REQUIRED}
    aliases = {"g": "groups"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        c = spatial(ins[0], self.name)[0]
        g = need_int(a["groups"], "groups", 1)
        if not is_symbolic(c) and not is_symbolic(g) and c % g:
            raise CnnCostError(f"groups={g} does not divide the {c} input channels")
        return {"groups": g}

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x = xs[0]
        n, c, h, wd = x.shape
        g = a["groups"]
        return x.reshape(n, g, c // g, h, wd).transpose(0, 2, 1, 3, 4).reshape(n, c, h, wd), 0


@register
class Chunk(Op):
    name = "chunk"
    summary = "one of `parts` equal channel slices (torch.chunk; a view, allocates nothing)"
    args = {"parts": 2, "index": REQUIRED}
    inplace_default = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        c = ins[0][0]
        parts = need_int(a["parts"], "parts", 1)
        index = need_int(a["index"], "index", 0)
        if not is_symbolic(index) and not is_symbolic(parts) and index >= parts:
            raise CnnCostError(f"chunk index {index} must be below parts={parts}")
        if not is_symbolic(c) and not is_symbolic(parts) and c % parts:
            raise CnnCostError(f"parts={parts} does not divide the {c} input channels")
        return {"parts": parts, "index": index}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return (floor_div(ins[0][0], a["parts"]), *ins[0][1:])

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def launches(self, a: dict[str, Any], train: bool) -> int:
        return 0  # a view (or a pass-through): no kernel

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x = xs[0]
        size = x.shape[1] // a["parts"]
        return x[:, a["index"] * size:(a["index"] + 1) * size], 0
