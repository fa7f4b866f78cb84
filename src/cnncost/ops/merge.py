"""Merges of several tensors: channel concat, element-wise add and (broadcast) multiply."""

from __future__ import annotations

from typing import Any

from ..dims import is_symbolic
from ..errors import CnnCostError
from .base import Op, Saved, fmt_dims as _fmt, need_bool, numel, register


def same_dim(a: Any, b: Any) -> bool:
    """Equal, or (symbolic) not provably different."""
    if a == b:
        return True
    if is_symbolic(a) or is_symbolic(b):
        diff = a - b
        return not (diff.is_zero is False)
    return False


class _Merge(Op):
    arity = None
    is_merge = True
    args = {"inplace": False}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {"inplace": need_bool(a.get("inplace", False), "inplace")}


@register
class Concat(_Merge):
    name = "concat"
    summary = "concatenate along channels; spatial sizes must match"
    args = {}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {}

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        first = ins[0]
        for other in ins[1:]:
            if len(other) != len(first) or not all(
                same_dim(x, y) for x, y in zip(first[1:], other[1:])
            ):
                raise CnnCostError(
                    f"concat needs equal spatial sizes: {_fmt(first)} vs {_fmt(other)}"
                    " (check strides, padding and ceil mode of the branches)"
                )
        total = 0
        for s in ins:
            total = total + s[0]
        return (total, *first[1:])

    # ---- memory rules -------------------------------------------------------------------
    grad_is_view = True
    holds_chain_pieces = True
    shortcut_first = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        return np.concatenate(xs, axis=1), 0


@register
class Add(_Merge):
    name = "add"
    summary = "element-wise sum of equal shapes (residual merge)"

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        first = ins[0]
        for other in ins[1:]:
            if len(other) != len(first) or not all(same_dim(x, y) for x, y in zip(first, other)):
                raise CnnCostError(
                    f"add needs equal shapes: {_fmt(first)} vs {_fmt(other)}"
                    " (a projection shortcut may be missing)"
                )
        return first

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return (len(ins) - 1) * numel(out)

    # ---- memory rules -------------------------------------------------------------------
    grad_is_view = True

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return []

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return 0  # every input receives dy itself

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y, 0


@register
class Mul(_Merge):
    name = "mul"
    is_gate = True
    summary = "element-wise product with broadcasting of 1x1 maps (SE gating)"

    def shape(self, a: dict[str, Any], ins: list) -> tuple:
        out = list(ins[0])
        for other in ins[1:]:
            if len(other) != len(out):
                raise CnnCostError(f"mul cannot broadcast {_fmt(tuple(out))} with {_fmt(other)}")
            for i, (x, y) in enumerate(zip(out, other)):
                if y == 1:
                    continue
                if x == 1:  # before same_dim: a symbol is not provably different from 1
                    out[i] = y
                    continue
                if same_dim(x, y):
                    continue
                raise CnnCostError(f"mul cannot broadcast {_fmt(tuple(out))} with {_fmt(other)}")
        return tuple(out)

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return (len(ins) - 1) * numel(out)

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        return [Saved("inputs")]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        # d(input i) = dy * (the product of the other inputs), then summed over the broadcast
        # dims of input i (an SE gate's C x 1 x 1 collects H*W products per channel)
        n = numel(out)
        total = 0
        for shape, needed in zip(ins, grads):
            if needed:
                total = total + (len(ins) - 1) * n + (n - numel(shape))
        return total

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y, 0
