"""Element-wise activations. In-place ones (PyTorch ``inplace=True``) allocate nothing."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from .base import Op, Saved, need_bool, need_float, numel, register


class _Activation(Op):
    args = {"inplace": None}
    any_layout = True  # element-wise
    #: elementary operations per element (comparisons, exps, divides, ...)
    cost: ClassVar[int] = 1
    #: what autograd keeps for backward: "output" (relu, sigmoid, ...), "input" (gelu) or
    #: "input_clone" (the input; run in place, a clone of it, since the output overwrote it)
    keeps: ClassVar[str] = "output"
    #: per element in backward: the derivative from the saved tensor times dy
    grad_cost: ClassVar[int] = 1

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        out = {k: need_float(v, k) for k, v in a.items() if k != "inplace"}
        inplace = a["inplace"]
        out["inplace"] = self.inplace_default if inplace is None else need_bool(inplace, "inplace")
        return out

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return self.cost * numel(out)

    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        if self.keeps == "output":
            return [Saved("output")]
        return [Saved("input", clone_in_place=self.keeps == "input_clone")]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        return self.grad_cost * numel(out) if grads[0] else 0

    def fn(self, a: dict[str, Any]) -> Callable[[Any], Any]:
        raise NotImplementedError

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        x = xs[0]
        return self.fn(a)(x).astype(x.dtype, copy=False), 0


def _np() -> Any:
    import numpy as np

    return np


def _sigmoid(x: Any) -> Any:
    """1/(1+exp(-x)) without overflow for large |x|."""
    np = _np()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@register
class ReLU(_Activation):
    name, summary, inplace_default = "relu", "max(x, 0); in place by default", True

    def fn(self, a):
        return lambda x: _np().maximum(x, 0)


@register
class ReLU6(_Activation):
    name, summary, inplace_default = "relu6", "min(max(x, 0), 6); in place by default", True
    cost = 2
    keeps = "input_clone"
    grad_cost = 2

    def fn(self, a):
        return lambda x: _np().clip(x, 0, 6)


@register
class LeakyReLU(_Activation):
    name, summary, inplace_default = "leaky_relu", "x if x > 0 else slope*x", True
    args = {"slope": 0.01, "inplace": None}
    cost = 2
    grad_cost = 2

    def fn(self, a):
        return lambda x: _np().where(x > 0, x, a["slope"] * x)


@register
class ELU(_Activation):
    name, summary, inplace_default = "elu", "x if x > 0 else alpha*(exp(x)-1)", False
    args = {"alpha": 1.0, "inplace": None}
    cost = 3
    grad_cost = 3

    def fn(self, a):
        return lambda x: _np().where(x > 0, x, a["alpha"] * (_np().exp(_np().minimum(x, 0)) - 1))


@register
class Sigmoid(_Activation):
    name, summary = "sigmoid", "1/(1+exp(-x))"
    cost = 3
    grad_cost = 3

    def fn(self, a):
        return _sigmoid


@register
class Tanh(_Activation):
    name, summary = "tanh", "tanh(x)"
    cost = 3
    grad_cost = 3

    def fn(self, a):
        return lambda x: _np().tanh(x)


@register
class SiLU(_Activation):
    name, summary, inplace_default = "silu", "x*sigmoid(x) (swish); in place by default", True
    cost = 4
    keeps = "input_clone"
    grad_cost = 6

    def fn(self, a):
        return lambda x: x * _sigmoid(x)


@register
class HardSigmoid(_Activation):
    name, summary = "hardsigmoid", "clip(alpha*x + beta, 0, 1); PyTorch's alpha 1/6, beta 0.5"
    # ONNX's HardSigmoid defaults are alpha 0.2, beta 0.5: importers always pass them
    args = {"alpha": 1 / 6, "beta": 0.5, "inplace": None}
    cost = 3
    keeps = "input_clone"
    grad_cost = 2

    def fn(self, a):
        if a["alpha"] == 1 / 6 and a["beta"] == 0.5:  # bit-exact with torch's relu6(x+3)/6
            return lambda x: _np().clip(x + 3.0, 0.0, 6.0) / 6.0
        return lambda x: _np().clip(a["alpha"] * x + a["beta"], 0.0, 1.0)


@register
class HardSwish(_Activation):
    name, summary, inplace_default = "hardswish", "x*relu6(x+3)/6; in place by default", True
    cost = 4
    keeps = "input_clone"
    grad_cost = 4

    def fn(self, a):
        return lambda x: x * _np().clip(x + 3.0, 0.0, 6.0) / 6.0


@register
class GELU(_Activation):
    name, summary = "gelu", "x*Phi(x) (exact, erf form)"
    cost = 5
    keeps = "input"
    grad_cost = 8

    def fn(self, a):
        return _gelu


def _gelu(x: Any) -> Any:
    """0.5·x·(1 + erf(x/√2)) with the C library's erf (``math.erf``, within an ulp): exact to
    float64 rounding, not an approximation, so it agrees with torch's kernel to ~1e-16. numpy has
    no erf; mapping ``math.erf`` over ``tolist()`` chunks takes 1/3 to 2/3 of ``np.vectorize``'s
    time."""
    import math

    np = _np()
    z = np.ascontiguousarray(x, dtype=np.float64).reshape(-1) * (1.0 / math.sqrt(2.0))
    erf = np.empty_like(z)
    step = 1 << 16
    for i in range(0, z.size, step):
        part = z[i:i + step]
        erf[i:i + step] = np.fromiter(map(math.erf, part.tolist()), np.float64, part.size)
    return 0.5 * x * (1.0 + erf.reshape(np.shape(x)))
