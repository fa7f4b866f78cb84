"""aten ops of channels-last blocks (ConvNeXt) for the ``torch.export`` importer: permute,
layer_norm, linear over the last axis and the layer-scale multiply.

torchvision's LayerNorm2d is ``permute → layer_norm → permute back``; that sandwich becomes one
``layernorm`` over the channels (the spec's form), its two permutes pass through.
"""

from __future__ import annotations

from typing import Any

from ..dims import Permuted
from .torch_ops import TorchWalker, aten, op_name
from .values import Const, Data

TO_LAST, TO_FIRST = [0, 2, 3, 1], [0, 3, 1, 2]


def _only_user(node: Any) -> Any:
    users = list(getattr(node, "users", {}))
    return users[0] if len(users) == 1 else None


def _dims(node: Any) -> list:
    return [int(d) for d in node.args[1]] if len(node.args) > 1 else []


def _sandwich_norm(node: Any) -> Any:
    """The layer_norm of a ``permute(TO_LAST) → layer_norm → permute(TO_FIRST)`` around
    ``node`` (either permute or the norm), else None."""
    def is_perm(n: Any, dims: list) -> bool:
        return n is not None and op_name(n) == "permute" and _dims(n) == dims

    def check(norm: Any) -> Any:
        if norm is None or op_name(norm) != "layer_norm":
            return None
        before = norm.args[0]
        ok = is_perm(before, TO_LAST) and _only_user(before) is norm \
            and is_perm(_only_user(norm), TO_FIRST)
        return norm if ok else None

    name = op_name(node)
    if name == "layer_norm":
        return check(node)
    if name == "permute" and _dims(node) == TO_LAST:
        return check(_only_user(node))
    if name == "permute" and _dims(node) == TO_FIRST:
        return check(node.args[0] if hasattr(node.args[0], "op") else None)
    return None


@aten("permute")
def permute(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    if _sandwich_norm(n) is not None:
        return Data(x)
    return w.emit("permute", {"dims": [int(d) for d in w.arg(1, "dims")]}, [x])


@aten("layer_norm")
def layer_norm(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    shape = w.shape(x)
    norm = [int(d) for d in w.arg(1, "normalized_shape")]
    sandwiched = _sandwich_norm(n) is not None
    axis = shape[0] if sandwiched else shape[-1]
    if len(norm) != 1 or norm[0] != axis:
        raise w.fail(f"layer_norm over {norm} of {list(shape)}: only one axis (the channels or "
                     "the last) is supported")
    args: dict[str, Any] = {}
    eps = float(w.arg(4, "eps", 1e-5))
    if abs(eps - 1e-5) > 1e-12:
        args["eps"] = eps
    if w.arg(2, "weight") is None:
        args["affine"] = False
    if not sandwiched and len(shape) > 1 and type(shape) is not Permuted:
        args["axis"] = "last"
    return w.emit("layernorm", args, [x], check=not sandwiched)


def layer_scale(w: TorchWalker, const: Const, x: int) -> Data | None:
    """``gamma * x`` with a learnable C (or C×1×1) gamma: a ``layer_scale``, else None."""
    from ..dims import channels

    shape = w.shape(x)
    c = channels(shape)
    want = [(c,)] if type(shape) is Permuted or len(shape) == 1 else [(c,) + (1,) * (
        len(shape) - 1)]
    if tuple(const.dims) not in want:
        return None
    return w.emit("layer_scale", {}, [x])
