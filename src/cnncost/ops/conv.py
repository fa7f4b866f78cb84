"""2-D convolution (grouped, depthwise, dilated, asymmetric padding)."""

from __future__ import annotations

from typing import Any

from ..dims import floor_div, is_symbolic
from ..errors import CnnCostError
from .base import (REQUIRED, Gemm, Op, Saved, check_positive, need_bool, need_int, pair, register,
                   spatial)


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
    counts_depth = True
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
        if a["p"] == "same" and any(not is_symbolic(v) and v != 1 for v in out["s"]):
            raise CnnCostError("padding 'same' needs stride 1 (PyTorch refuses it for strided "
                               "convolutions); give the padding as numbers")
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
            lambda: f"kernel {kh}x{kw} (dilation {dh}x{dw}) is larger than the padded input "
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

    # ---- memory rules -------------------------------------------------------------------
    autocast_weights = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("input", autocast=True)]

    def workspace(self, a: dict[str, Any]) -> tuple[str, ...]:
        # empirical (docs/memory.md): cuDNN copies input and output (NHWC) for dense kernels > 1x1
        if a.get("groups", 1) != 1 or tuple(a.get("k", (1, 1))) == (1, 1):
            return ()
        return ("input", "output")

    # training: weight gradient dW = sum over N*Ho*Wo of dy*x (one MAC per weight per output
    # position, = the forward MACs, grouped or not); input gradient = the transposed convolution
    # of dy with W (the forward MACs again), only where the input needs a gradient
    def backward_macs(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        fwd = self.macs(a, ins, out)
        return 2 * fwd if grads[0] else fwd

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return out[0] * out[1] * out[2] if a["bias"] else 0  # bias gradient: a sum of dy

    def gemm(self, a: dict[str, Any], ins: list, out: tuple) -> Gemm:
        kh, kw = a["k"]
        g = a["groups"]
        winograd = a["k"] == (3, 3) and a["s"] == (1, 1) and a["d"] == (1, 1) and g == 1
        return Gemm(g, out[1] * out[2], floor_div(a["c"], g), floor_div(ins[0][0], g) * kh * kw,
                    winograd)

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        (kh, kw), (sh, sw), (dh, dw), g = a["k"], a["s"], a["d"], a["groups"]
        pt, pb, pl, pr = a["p"]
        x, weight = xs[0], w["weight"]
        n, c, h, wd = x.shape
        cout, cg = weight.shape[0], weight.shape[1]
        if weight.shape[2:] != (kh, kw) or c != cg * g or cout % g:
            raise ValueError(f"conv weight {weight.shape} does not fit input {x.shape} "
                             f"with groups={g}")
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
        ho, wo = window_out(h, pt + pb, kh, sh, dh), window_out(wd, pl + pr, kw, sw, dw)
        wg = weight.reshape(g, cout // g, cg, kh, kw)
        y = np.zeros((n, g, cout // g, ho * wo), dtype=np.result_type(x, weight))
        counted = 0
        if cg == 1:  # depthwise: one broadcast multiply-add per kernel tap
            for i in range(kh):
                for j in range(kw):
                    tap = xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                             j * dw:j * dw + sw * (wo - 1) + 1:sw].reshape(n, g, 1, ho * wo)
                    wij = wg[:, :, :, i, j]  # (g, o, 1)
                    y += wij[None] * tap
                    counted += tap.shape[0] * wij.shape[0] * wij.shape[1] * tap.shape[3]
        else:  # im2col + one GEMM per group, a few samples at a time to bound memory
            st = xp.strides
            cols_view = np.lib.stride_tricks.as_strided(
                xp, (n, g, cg, kh, kw, ho, wo),
                (st[0], st[1] * cg, st[1], st[2] * dh, st[3] * dw, st[2] * sh, st[3] * sw),
                writeable=False)
            wmat = wg.reshape(g, cout // g, cg * kh * kw)
            step = max(1, (1 << 26) // max(1, c * kh * kw * ho * wo))
            for b in range(0, n, step):
                cols = cols_view[b:b + step].reshape(-1, g, cg * kh * kw, ho * wo)
                y[b:b + step] = np.matmul(wmat, cols)  # (g,o,K) @ (nb,g,K,hw)
                # MACs from the operands of this GEMM: batch x groups x o x K x hw
                counted += cols.shape[0] * wmat.shape[0] * wmat.shape[1] * wmat.shape[2] \
                    * cols.shape[3]
        y = y.reshape(n, cout, ho, wo)
        if a["bias"]:
            y += w["bias"].reshape(1, -1, 1, 1)
        return y.astype(x.dtype, copy=False), int(counted)
