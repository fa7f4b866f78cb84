"""2-D convolution (grouped, depthwise, dilated, asymmetric padding)."""

from __future__ import annotations

from typing import Any

from ..dims import floor_div, is_symbolic
from ..errors import CnnCostError
from .base import REQUIRED, Op, check_positive, need_bool, need_int, pair, register, spatial


def padding4(value: Any, k: tuple, d: tuple) -> tuple[Any, Any, Any, Any]:
    """Padding as (top, bottom, left, right) from an int, [ph, pw], [t, b, l, r] or 'same'."""
    if value == "same":
        th, tw = d[0] * (k[0] - 1), d[1] * (k[1] - 1)
        return floor_div(th, 2), th - floor_div(th, 2), floor_div(tw, 2), tw - floor_div(tw, 2)
    if isinstance(value, (list, tuple)):
        if len(value) == 2:
            ph, pw = (need_int(v, "padding", 0) for v in value)
            return ph, ph, pw, pw
        if len(value) == 4:
            t, b, left, r = (need_int(v, "padding", 0) for v in value)
            return t, b, left, r
        raise CnnCostError("padding must be p, [ph, pw] or [top, bottom, left, right]")
    p = need_int(value, "padding", 0)
    return p, p, p, p


def window_out(size: Any, pad_total: Any, k: Any, s: Any, d: Any) -> Any:
    """PyTorch's floor-mode output size of a sliding window."""
    return floor_div(size + pad_total - d * (k - 1) - 1, s) + 1


@register
class Conv(Op):
    name = "conv"
    summary = "2-D convolution: weight Cout×(Cin/groups)×kh×kw, optional bias"
    args = {"c": REQUIRED, "k": REQUIRED, "s": 1, "p": 0, "d": 1, "groups": 1, "bias": True}
    aliases = {"out": "c", "kernel": "k", "stride": "s", "padding": "p", "dilation": "d", "g": "groups"}
    literals = {"p": frozenset({"same"})}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        cin = spatial(ins[0], "conv")[0]
        out = dict(a)
        out["c"] = need_int(a["c"], "output channels c", 1)
        out["k"] = pair(a["k"], "kernel k", 1)
        out["s"] = pair(a["s"], "stride s", 1)
        out["d"] = pair(a["d"], "dilation d", 1)
        out["p"] = padding4(a["p"], out["k"], out["d"])
        out["bias"] = need_bool(a["bias"], "bias")
        g = out["groups"] = need_int(a["groups"], "groups", 1)
        for what, ch in (("input", cin), ("output", out["c"])):
            if not is_symbolic(ch) and not is_symbolic(g) and ch % g:
                raise CnnCostError(f"groups={g} does not divide the {ch} {what} channels")
        return out

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        _, h, w = spatial(ins[0], "conv")
        (kh, kw), (sh, sw), (dh, dw) = a["k"], a["s"], a["d"]
        pt, pb, pl, pr = a["p"]
        ho = window_out(h, pt + pb, kh, sh, dh)
        wo = window_out(w, pl + pr, kw, sw, dw)
        check_positive(
            (ho, wo),
            f"kernel {kh}x{kw} (dilation {dh}x{dw}) is larger than the padded input "
            f"{h + pt + pb}x{w + pl + pr}",
        )
        return (a["c"], ho, wo)

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        kh, kw = a["k"]
        shapes = {"weight": (a["c"], floor_div(ins[0][0], a["groups"]), kh, kw)}
        if a["bias"]:
            shapes["bias"] = (a["c"],)
        return shapes

    def macs(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        kh, kw = a["k"]
        return out[0] * out[1] * out[2] * floor_div(ins[0][0], a["groups"]) * kh * kw

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return out[0] * out[1] * out[2] if a["bias"] else 0

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        (kh, kw), (sh, sw), (dh, dw), g = a["k"], a["s"], a["d"], a["groups"]
        pt, pb, pl, pr = a["p"]
        x = np.pad(xs[0], ((0, 0), (0, 0), (pt, pb), (pl, pr)))
        n, c, h, wd = x.shape
        ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
        st = x.strides
        cols = np.lib.stride_tricks.as_strided(
            x, (n, g, c // g, kh, kw, ho, wo),
            (st[0], st[1] * (c // g), st[1], st[2] * dh, st[3] * dw, st[2] * sh, st[3] * sw),
            writeable=False,
        )
        weight = w["weight"]
        cout = weight.shape[0]
        wg = weight.reshape(g, cout // g, *weight.shape[1:])
        y = np.einsum("gocij,ngcijhw->ngohw", wg, cols, optimize=True).reshape(n, cout, ho, wo)
        if "bias" in w:
            y = y + w["bias"].reshape(1, -1, 1, 1)
        # MACs from the operands the kernel actually contracted: (g, o, c, i, j) x (n, ..., h, w)
        counted = n * wg.shape[0] * wg.shape[1] * wg.shape[2] * wg.shape[3] * wg.shape[4]
        counted *= cols.shape[5] * cols.shape[6]
        return y.astype(xs[0].dtype, copy=False), int(counted)
