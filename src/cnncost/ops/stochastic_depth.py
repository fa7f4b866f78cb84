"""Stochastic depth (Huang et al. 2016; torchvision.ops.StochasticDepth)."""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .base import Op, Saved, need_float, register


@register
class StochasticDepth(Op):
    name = "stochastic_depth"
    summary = ("drops a residual branch with probability p: identity at inference; in training "
               "a new output and a mask (one value per sample, `mode: row`, or per batch)")
    args = {"p": 0.0, "mode": "row"}
    literals = {"mode": frozenset({"row", "batch"})}
    inplace_default = True  # at inference it returns its input
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        p = need_float(a["p"], "p")
        if not 0.0 <= p <= 1.0:
            raise CnnCostError(f"stochastic depth probability p must be in [0, 1], got {p}")
        if a["mode"] not in ("row", "batch"):
            raise CnnCostError(f"stochastic depth mode must be row or batch, got {a['mode']!r}")
        return {"p": p, "mode": a["mode"]}

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        if a.get("p", 0) <= 0:
            return []
        # torchvision: input * noise, noise of shape N×1×1×1 ("row") or 1×1×1×1 ("batch") in
        # the input's dtype; the product's backward keeps only noise (the input needs no grad).
        # A batch-wide noise is one value: 4 bytes (2 under AMP; both round to one 512 B block)
        if a.get("mode", "row") == "row":
            return [Saved("new", "mask", 1)]
        return [Saved("new", "mask", 0, fixed=4)]

    def allocates_in(self, a: dict[str, Any], train: bool, allocates: bool) -> bool:
        return train and a.get("p", 0) > 0

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0], 0  # the inference form
