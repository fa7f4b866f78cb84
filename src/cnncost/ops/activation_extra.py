"""Activations importers meet in timm and ONNX models: softplus, mish and PReLU."""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .activation import _Activation, _np
from .base import need_int, register


@register
class Softplus(_Activation):
    name, summary = "softplus", "log(1 + exp(x)) (PyTorch beta 1)"
    cost = 3
    keeps = "input"  # softplus_backward(grad, self, beta, threshold)

    def fn(self, a):
        return lambda x: _np().logaddexp(0.0, x)


@register
class Mish(_Activation):
    name, summary, inplace_default = "mish", "x*tanh(softplus(x)); in place by default", True
    cost = 5
    keeps = "input_clone"  # mish_backward(grad, self): in place, a clone of the input

    def fn(self, a):
        np = _np()
        return lambda x: x * np.tanh(np.logaddexp(0.0, x))


@register
class PReLU(_Activation):
    name, summary = "prelu", "x if x > 0 else a*x with a learnable slope per channel (or one)"
    args = {"num_parameters": 1, "inplace": None}
    cost = 2
    keeps = "input"  # _prelu_kernel_backward(grad, self, weight)

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        n = need_int(a["num_parameters"], "num_parameters", 1)
        c = ins[0][0]
        if n != 1 and n != c:
            raise CnnCostError(f"prelu num_parameters must be 1 or the {c} channels, got {n}")
        inplace = a.get("inplace")
        return {"num_parameters": n, "inplace": False if inplace is None else bool(inplace)}

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        return {"weight": (a["num_parameters"],)}

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x = xs[0]
        slope = w["weight"].reshape((1, -1) + (1,) * (x.ndim - 2))
        return _np().where(x > 0, x, slope * x).astype(x.dtype, copy=False), 0
