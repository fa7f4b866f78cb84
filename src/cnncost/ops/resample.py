"""Padding and upsampling: ``pad`` (constant, reflect, replicate) and ``upsample``
(nearest or bilinear, by an integer scale)."""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .base import Op, Saved, need_bool, need_float, numel, pair, register, spatial
from .conv import padding4

PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}


@register
class Pad(Op):
    name = "pad"
    summary = "spatial padding [top, bottom, left, right]: constant, reflect or replicate"
    args = {"p": 0, "mode": "constant", "value": 0.0}
    aliases = {"padding": "p"}
    literals = {"mode": frozenset(PAD_MODES)}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        spatial(ins[0], self.name)
        if a["mode"] not in PAD_MODES:
            raise CnnCostError(f"pad mode must be one of {', '.join(PAD_MODES)}, got "
                               f"{a['mode']!r}")
        return {"p": padding4(a["p"], (1, 1), (1, 1)), "mode": a["mode"],
                "value": need_float(a["value"], "value")}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        c, h, w = spatial(ins[0], self.name)
        t, b, left, r = a["p"]
        return (c, h + t + b, w + left + r)

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # constant_pad_nd's backward needs only the pad sizes; reflection/replication keep self
        return [] if a.get("mode", "constant") == "constant" else [Saved("input")]

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        t, b, left, r = a["p"]
        widths = ((0, 0), (0, 0), (t, b), (left, r))
        mode = PAD_MODES[a["mode"]]
        if mode == "constant":
            return np.pad(xs[0], widths, constant_values=a["value"]), 0
        return np.pad(xs[0], widths, mode=mode), 0


@register
class Upsample(Op):
    name = "upsample"
    summary = "upsample by an integer scale: nearest, or bilinear (align_corners false/true)"
    args = {"scale": 2, "mode": "nearest", "align_corners": False}
    literals = {"mode": frozenset({"nearest", "bilinear"})}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        spatial(ins[0], self.name)
        if a["mode"] not in ("nearest", "bilinear"):
            raise CnnCostError(f"upsample mode must be nearest or bilinear, got {a['mode']!r}")
        return {"scale": pair(a["scale"], "scale", 1), "mode": a["mode"],
                "align_corners": need_bool(a["align_corners"], "align_corners")}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        c, h, w = spatial(ins[0], self.name)
        return (c, h * a["scale"][0], w * a["scale"][1])

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        # bilinear: 4 taps, 3 lerps (2 multiplies + 1 add each) per output element
        return 0 if a["mode"] == "nearest" else 9 * numel(out)

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []  # upsample_{nearest,bilinear}2d_backward need only the sizes

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        sh, sw = a["scale"]
        if a["mode"] == "nearest":
            return np.repeat(np.repeat(x, sh, axis=2), sw, axis=3), 0
        ys = _lerp_index(x.shape[2], sh, a["align_corners"])
        xs_ = _lerp_index(x.shape[3], sw, a["align_corners"])
        (y0, y1, fy), (x0, x1, fx) = ys, xs_
        top = x[:, :, y0][:, :, :, x0] * (1 - fx) + x[:, :, y0][:, :, :, x1] * fx
        bot = x[:, :, y1][:, :, :, x0] * (1 - fx) + x[:, :, y1][:, :, :, x1] * fx
        out = top * (1 - fy[:, None]) + bot * fy[:, None]
        return out.astype(x.dtype, copy=False), 0


def _lerp_index(size: int, scale: int, align: bool) -> tuple[Any, Any, Any]:
    """Source indices and weights of PyTorch's bilinear interpolation along one axis."""
    import numpy as np

    out = np.arange(size * scale, dtype=np.float64)
    if align:
        src = out * ((size - 1) / (size * scale - 1)) if size * scale > 1 else out * 0
    else:
        src = np.maximum((out + 0.5) / scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    i1 = np.minimum(i0 + 1, size - 1)
    return i0, i1, src - i0
