"""Permute the axes of a tensor (channels-first <-> channels-last): a view, as in torch."""

from __future__ import annotations

from typing import Any

from ..dims import permute
from ..errors import CnnCostError
from .base import REQUIRED, Op, Saved, need_int, register


@register
class Permute(Op):
    name = "permute"
    summary = ("torch.permute with torch's dims, batch axis included ([0, 2, 3, 1]: channels "
               "last; [0, 3, 1, 2]: back); a view, allocates nothing")
    args = {"dims": REQUIRED}
    inplace_default = True
    any_layout = True

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        dims = a["dims"]
        n = len(ins[0]) + 1
        if not isinstance(dims, (list, tuple)):
            raise CnnCostError(f"permute dims must be a list like [0, 2, 3, 1], got {dims!r}")
        dims = tuple(need_int(d, "permute dims") for d in dims)
        if sorted(dims) != list(range(n)) or dims[0] != 0:
            raise CnnCostError(f"permute dims must order 0..{n - 1} with the batch axis 0 first, "
                               f"got {list(dims)}")
        return {"dims": dims}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        return permute(ins[0], a["dims"])

    # ---- memory rules -------------------------------------------------------------------
    grad_is_view = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        return xs[0].transpose(a["dims"]), 0
