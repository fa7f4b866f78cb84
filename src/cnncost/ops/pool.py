"""Pooling: max, average (floor and ceil mode), adaptive average and global average."""

from __future__ import annotations

from typing import Any

from ..dims import ceil_div, floor_div, is_symbolic
from ..errors import CnnCostError
from .base import REQUIRED, Op, Saved, check_positive, need_bool, numel, pair, register, spatial


def pool_out(size: Any, p: Any, k: Any, s: Any, d: Any, ceil: bool) -> Any:
    """PyTorch's ``pooling_output_shape``: ceil mode drops a last window starting in the padding."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil:
        return floor_div(span, s) + 1
    out = ceil_div(span, s) + 1
    if not any(is_symbolic(v) for v in (size, p, k, s, d)):
        return out - 1 if (out - 1) * s >= size + p else out
    if not any(is_symbolic(v) for v in (p, k, s, d)) and p + s <= d * (k - 1) + 1:
        return out  # the last window always starts inside the input
    import sympy

    return sympy.Piecewise((out - 1, (out - 1) * s >= size + p), (out, True))


class _Pool(Op):
    args = {"k": REQUIRED, "s": None, "p": 0, "d": 1, "ceil": False}
    aliases = {"kernel": "k", "stride": "s", "padding": "p", "dilation": "d", "ceil_mode": "ceil"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        spatial(ins[0], self.name)
        out = dict(a)
        out["k"] = pair(a["k"], "kernel k", 1)
        out["s"] = out["k"] if a["s"] is None else pair(a["s"], "stride s", 1)
        out["p"] = pair(a["p"], "padding p", 0)
        out["d"] = pair(a["d"], "dilation d", 1)
        out["ceil"] = need_bool(a["ceil"], "ceil")
        for p, k in zip(out["p"], out["k"]):  # PyTorch: p <= k // 2, whatever the dilation
            if not any(is_symbolic(v) for v in (p, k)) and 2 * p > k:
                raise CnnCostError(f"padding {p} is more than half the kernel {k} (PyTorch refuses it)")
        return out

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        c, h, w = spatial(ins[0], self.name)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = a["k"], a["s"], a["p"], a["d"]
        ho = pool_out(h, ph, kh, sh, dh, a["ceil"])
        wo = pool_out(w, pw, kw, sw, dw, a["ceil"])
        check_positive((ho, wo), lambda: f"pool window {kh}x{kw} is larger than the padded "
                                         f"input {h + 2 * ph}x{w + 2 * pw}")
        return (c, ho, wo)

    def _reduce(self, x: Any, a: dict[str, Any], fill: float, combine: Any) -> Any:
        """Fold ``combine`` over the kernel taps (strided slices of the padded input); the
        bottom/right are padded further with ``fill`` for the windows ceil mode adds."""
        import numpy as np

        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = a["k"], a["s"], a["p"], a["d"]
        n, c, h, w = x.shape
        ho = pool_out(h, ph, kh, sh, dh, a["ceil"])
        wo = pool_out(w, pw, kw, sw, dw, a["ceil"])
        extra_h = max(0, (ho - 1) * sh + dh * (kh - 1) + 1 - (h + 2 * ph))
        extra_w = max(0, (wo - 1) * sw + dw * (kw - 1) + 1 - (w + 2 * pw))
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph + extra_h), (pw, pw + extra_w)),
                    constant_values=fill)
        out = None
        for i in range(kh):
            for j in range(kw):
                tap = xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                         j * dw:j * dw + sw * (wo - 1) + 1:sw]
                out = tap.copy() if out is None else combine(out, tap, out=out)
        return out


@register
class MaxPool(_Pool):
    name = "maxpool"
    summary = "max pooling (PyTorch MaxPool2d, incl. ceil_mode and dilation)"

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        kh, kw = a["k"]
        return out[0] * out[1] * out[2] * (kh * kw - 1)  # comparisons

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # the input and the int64 argmax indices, one per output element
        return [Saved("input"), Saved("new", "indices", numel(out), itemsize=8)]

    def transient_bytes(self, a: dict[str, Any], out: tuple) -> Any:
        # max_pool2d runs as max_pool2d_with_indices: int64 indices live while it runs
        return numel(out) * 8

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return numel(out) if grads[0] else 0  # each dy added at its window's argmax

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        return self._reduce(xs[0], a, -np.inf, np.maximum), 0


@register
class AvgPool(_Pool):
    name = "avgpool"
    summary = "average pooling (PyTorch AvgPool2d, count_include_pad default true)"
    args = {"k": REQUIRED, "s": None, "p": 0, "ceil": False, "count_include_pad": True}
    aliases = {"kernel": "k", "stride": "s", "padding": "p", "ceil_mode": "ceil"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        out = super().prepare({**a, "d": 1}, ins)
        out["count_include_pad"] = need_bool(a["count_include_pad"], "count_include_pad")
        return out

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        kh, kw = a["k"]
        return out[0] * out[1] * out[2] * kh * kw  # k*k - 1 adds and one divide

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("input")]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        kh, kw = a["k"]
        return numel(out) * (kh * kw + 1) if grads[0] else 0  # one divide, k*k scattered adds

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        total = self._reduce(x, a, 0.0, np.add)
        # divisor: PyTorch counts padding (if count_include_pad) but never the ceil-mode overhang
        (kh, kw), (sh, sw), (ph, pw) = a["k"], a["s"], a["p"]
        n, c, h, wd = x.shape
        ho, wo = total.shape[2], total.shape[3]

        def extent(size: int, out: int, k: int, s: int, p: int) -> Any:
            start = np.arange(out) * s - p
            end = np.minimum(start + k, size + p)
            if not a["count_include_pad"]:
                return np.minimum(end, size) - np.maximum(start, 0)
            return end - start

        div = np.outer(extent(h, ho, kh, sh, ph), extent(wd, wo, kw, sw, pw))
        return (total / div).astype(x.dtype), 0


def adaptive_windows(size: Any, out: Any) -> list[tuple[Any, Any]]:
    """PyTorch adaptive pooling windows: [floor(i*size/out), ceil((i+1)*size/out))."""
    return [(floor_div(i * size, out), ceil_div((i + 1) * size, out)) for i in range(out)]


@register
class AdaptiveAvgPool(Op):
    name = "adaptive_avgpool"
    summary = "adaptive average pooling to a fixed output size (PyTorch AdaptiveAvgPool2d)"
    args = {"out": REQUIRED}
    aliases = {"size": "out", "output_size": "out"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        spatial(ins[0], self.name)
        oh, ow = pair(a["out"], "output size out", 1)
        if is_symbolic(oh) or is_symbolic(ow):
            raise CnnCostError("adaptive_avgpool output size must be a number")
        return {"out": (oh, ow)}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return (ins[0][0], *a["out"])

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        c, h, w = ins[0]
        rows = sum(e - s for s, e in adaptive_windows(h, a["out"][0]))
        cols = sum(e - s for s, e in adaptive_windows(w, a["out"][1]))
        return c * rows * cols  # one add (or the final divide) per element of every window

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # output 1x1 runs as mean(), which keeps only sizes
        return [] if tuple(a.get("out", ())) == (1, 1) else [Saved("input")]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return self.other_ops(a, ins, out) if grads[0] else 0  # dy/area into every window cell

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        n, c, h, wd = x.shape
        oh, ow = a["out"]
        y = np.empty((n, c, oh, ow), dtype=x.dtype)
        for i, (h0, h1) in enumerate(adaptive_windows(h, oh)):
            for j, (w0, w1) in enumerate(adaptive_windows(wd, ow)):
                y[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
        return y, 0


@register
class GlobalAvgPool(AdaptiveAvgPool):
    name = "gap"
    summary = "global average pooling: C×H×W -> C×1×1 (adaptive_avgpool with out 1)"
    args = {}
    aliases = {}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        spatial(ins[0], self.name)
        return {"out": (1, 1)}
