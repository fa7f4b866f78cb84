"""Normalisation: batch norm (inference form) and local response normalisation."""

from __future__ import annotations

from typing import Any

from .base import Op, Saved, need_bool, need_float, need_int, numel, register


@register
class BatchNorm(Op):
    name = "bn"
    summary = "batch norm: 2C learnable (weight, bias) + 2C buffers (running mean, var)"
    args = {"eps": 1e-5, "affine": True}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {"eps": need_float(a["eps"], "eps"), "affine": need_bool(a["affine"], "affine")}

    def param_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        c = ins[0][0]
        return {"weight": (c,), "bias": (c,)} if a["affine"] else {}

    def buffer_shapes(self, a: dict[str, Any], ins: list, out: tuple) -> dict[str, tuple]:
        c = ins[0][0]
        return {"running_mean": (c,), "running_var": (c,)}

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        return 2 * numel(out)  # one multiply and one add per element once folded

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # the input, and save_mean + save_invstd: two fp32 tensors of C (batch independent),
        # two allocations
        return [Saved("input"), Saved("new", "bn_mean", fixed=out[0] * 4),
                Saved("new", "bn_invstd", fixed=out[0] * 4)]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        # per element: x_hat (2), d_beta = sum dy (1), d_gamma = sum dy*x_hat (2); with the
        # input gradient also dx = gamma*invstd*(dy - d_beta/m - x_hat*d_gamma/m) (4)
        return (9 if grads[0] else 5) * numel(out)

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        shape = (1, -1) + (1,) * (x.ndim - 2)
        scale = 1.0 / np.sqrt(w["running_var"] + a["eps"])
        if a["affine"]:
            scale = scale * w["weight"]
        y = (x - w["running_mean"].reshape(shape)) * scale.reshape(shape)
        if a["affine"]:
            y = y + w["bias"].reshape(shape)
        return y.astype(x.dtype, copy=False), 0


@register
class LocalResponseNorm(Op):
    name = "lrn"
    summary = "local response norm across channels, PyTorch form: x / (k + alpha/n * sum x^2)^beta"
    args = {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 1.0}
    aliases = {"n": "size"}

    def prepare(self, a: dict[str, Any], ins: list) -> dict[str, Any]:
        return {
            "size": need_int(a["size"], "size", 1),
            "alpha": need_float(a["alpha"], "alpha"),
            "beta": need_float(a["beta"], "beta"),
            "k": need_float(a["k"], "k"),
        }

    def other_ops(self, a: dict[str, Any], ins: list, out: tuple) -> Any:
        # per element: n squares, n-1 adds, scale, add k, power, divide
        return numel(out) * (2 * a["size"] + 3)

    # ---- memory rules -------------------------------------------------------------------
    def saved(self, a: dict[str, Any], ins: list, out: tuple, device: str) -> list[Saved]:
        # torch.nn.functional.local_response_norm keeps x, the zero-padded x**2 (C+size-1
        # channels), the base k + alpha*avg and its power
        c, h, w = out
        return [Saved("input"), Saved("new", "lrn_sq", (c + a["size"] - 1) * h * w),
                Saved("new", "lrn_base", c * h * w), Saved("new", "lrn_scale", c * h * w)]

    def backward_other_ops(self, a: dict[str, Any], ins: list, out: tuple, grads: tuple) -> Any:
        # the forward's window sums and powers again, plus the chain rule through them
        return 2 * self.other_ops(a, ins, out) if grads[0] else 0

    def forward(self, a: dict[str, Any], xs: list, w: dict) -> tuple[Any, int]:
        import numpy as np

        x = xs[0]
        n = a["size"]
        sq = np.pad(x * x, ((0, 0), (n // 2, (n - 1) // 2)) + ((0, 0),) * (x.ndim - 2))
        csum = np.cumsum(sq, axis=1, dtype=np.float64)
        csum = np.concatenate([np.zeros_like(csum[:, :1]), csum], axis=1)
        window = csum[:, n:] - csum[:, :-n]
        div = (a["k"] + a["alpha"] / n * window) ** a["beta"]
        return (x / div).astype(x.dtype), 0
