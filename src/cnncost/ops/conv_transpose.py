"""Transposed 2-D convolution (PyTorch ``ConvTranspose2d``)."""

from __future__ import annotations

from typing import Any

from ..dims import floor_div, is_symbolic
from ..errors import CnnCostError
from .base import REQUIRED, Op, Saved, check_positive, need_bool, need_int, pair, register, spatial


@register
class ConvTranspose(Op):
    name = "conv_transpose"
    counts_depth = True
    summary = "transposed conv: weight Cin×(Cout/groups)×kh×kw; MACs Cin·H·W·(Cout/g)·kh·kw"
    args = {"c": REQUIRED, "k": REQUIRED, "s": 1, "p": 0, "output_padding": 0, "d": 1,
            "groups": 1, "bias": True}
    aliases = {"out": "c", "kernel": "k", "stride": "s", "padding": "p", "dilation": "d",
               "g": "groups"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        cin = spatial(ins[0], self.name)[0]
        out = {"c": need_int(a["c"], "output channels c", 1), "k": pair(a["k"], "kernel k", 1),
               "s": pair(a["s"], "stride s", 1), "p": pair(a["p"], "padding p", 0),
               "output_padding": pair(a["output_padding"], "output_padding", 0),
               "d": pair(a["d"], "dilation d", 1), "bias": need_bool(a["bias"], "bias"),
               "groups": need_int(a["groups"], "groups", 1)}
        g = out["groups"]
        for what, ch in (("input", cin), ("output", out["c"])):
            if not is_symbolic(ch) and not is_symbolic(g) and ch % g:
                raise CnnCostError(f"groups={g} does not divide the {ch} {what} channels")
        for op, s, d in zip(out["output_padding"], out["s"], out["d"]):
            if op >= max(s, d):
                raise CnnCostError(f"output_padding {op} must be smaller than stride or "
                                   "dilation (PyTorch refuses it)")
        return out

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        _, h, w = spatial(ins[0], self.name)
        dims = []
        for size, k, s, p, op, d in zip((h, w), a["k"], a["s"], a["p"], a["output_padding"],
                                        a["d"]):
            dims.append((size - 1) * s - 2 * p + d * (k - 1) + op + 1)
        check_positive(tuple(dims), "transposed conv output is empty (padding too large)")
        return (a["c"], dims[0], dims[1])

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        kh, kw = a["k"]
        shapes = {"weight": (ins[0][0], floor_div(a["c"], a["groups"]), kh, kw)}
        if a["bias"]:
            shapes["bias"] = (a["c"],)
        return shapes

    def macs(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        kh, kw = a["k"]
        c, h, w = ins[0]
        return c * h * w * floor_div(a["c"], a["groups"]) * kh * kw

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return out[0] * out[1] * out[2] if a["bias"] else 0

    # ---- memory rules -------------------------------------------------------------------
    autocast_weights = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("input", autocast=True)]  # convolution_backward(grad, input, weight)

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x, weight = xs[0], w["weight"]
        n, c, h, wd = x.shape
        g, (kh, kw), (sh, sw), (dh, dw) = a["groups"], a["k"], a["s"], a["d"]
        cg, og = c // g, weight.shape[1]
        full_h, full_w = (h - 1) * sh + dh * (kh - 1) + 1, (wd - 1) * sw + dw * (kw - 1) + 1
        y = np.zeros((n, g, og, full_h + a["output_padding"][0], full_w + a["output_padding"][1]),
                     dtype=np.result_type(x, weight))
        xg = x.reshape(n, g, cg, h, wd)
        wg = weight.reshape(g, cg, og, kh, kw)
        for i in range(kh):
            for j in range(kw):
                tap = np.einsum("ngchw,gco->ngohw", xg, wg[:, :, :, i, j])
                y[:, :, :, i * dh:i * dh + sh * (h - 1) + 1:sh,
                  j * dw:j * dw + sw * (wd - 1) + 1:sw] += tap
        ph, pw = a["p"]
        y = y.reshape(n, g * og, *y.shape[3:])[:, :, ph:y.shape[3] - ph, pw:y.shape[4] - pw]
        if a["bias"]:
            y = y + w["bias"].reshape(1, -1, 1, 1)
        counted = n * c * h * wd * og * kh * kw
        return np.ascontiguousarray(y).astype(x.dtype, copy=False), int(counted)
