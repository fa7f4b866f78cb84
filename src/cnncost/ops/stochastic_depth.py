"""Stochastic depth (Huang et al. 2016; torchvision.ops.StochasticDepth)."""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .base import Op, need_float, register


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

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0], 0  # the inference form
