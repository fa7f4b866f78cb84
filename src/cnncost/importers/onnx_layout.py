"""ONNX ops of channels-last blocks (ConvNeXt): LayerNormalization, MatMul over the
last axis of a channels-last tensor, and the layer-scale Mul by a learnable C×1×1 tensor.

``Transpose(0,2,3,1) → LayerNormalization(axis -1) → Transpose(0,3,1,2)`` (torchvision's
LayerNorm2d) is fused into one ``cnncost:layernorm2d`` node: a ``layernorm`` over the channels.
"""

from __future__ import annotations

from typing import Any

from ..dims import Permuted, channels
from .onnx_graph import Walker, handles
from .onnx_read import ONode
from .patterns import _Index

TO_LAST, TO_FIRST = [0, 2, 3, 1], [0, 3, 1, 2]


def fuse_layout(nodes: list[ONode]) -> list[ONode]:
    """The node list with LayerNorm2d sandwiches replaced by ``cnncost:layernorm2d`` nodes."""
    ix = _Index(nodes)
    drop: set[int] = set()
    replace: dict[int, ONode] = {}
    for i, n in enumerate(nodes):
        if n.op != "LayerNormalization" or not n.inputs:
            continue
        before = ix.made_by(n.inputs[0], "Transpose")
        after_i = ix.only_use(n.outputs[0])
        if before is None or after_i is None or ix.only_use(n.inputs[0]) is None:
            continue
        after = nodes[after_i]
        if after.op != "Transpose" or list(before.attrs.get("perm", [])) != TO_LAST or \
                list(after.attrs.get("perm", [])) != TO_FIRST or \
                int(n.attrs.get("axis", -1)) not in (-1, 3):
            continue
        drop.update({ix.producer[n.inputs[0]], after_i})
        replace[i] = ONode(n.name, "cnncost:layernorm2d", "ai.onnx",
                           [before.inputs[0], *n.inputs[1:]], after.outputs, dict(n.attrs))
    return [replace.get(i, n) for i, n in enumerate(nodes) if i not in drop]


@handles("LayerNormalization", "cnncost:layernorm2d")
def layer_norm(w: Walker, n: ONode) -> None:
    x = w.data(0)
    shape = w.shape(x)
    axis = int(w.attr("axis", -1))
    if n.op == "LayerNormalization" and axis not in (-1, len(shape)):
        raise w.fail(f"LayerNormalization over axis {axis} of N×{'×'.join(map(str, shape))}: "
                     "only the last axis is supported")
    args: dict[str, Any] = {}
    eps = float(w.attr("epsilon", 1e-5))
    if abs(eps - 1e-5) > 1e-9:
        args["eps"] = float(f"{eps:.6g}")  # float32 in the file: 1e-6 reads 9.99999997e-07
    if len(n.inputs) < 2 or not n.inputs[1]:
        args["affine"] = False
    if n.op == "LayerNormalization" and len(shape) > 1 and type(shape) is not Permuted:
        args["axis"] = "last"
    w.emit("layernorm", args, [x])


def layer_scale(w: Walker, x: int, dims: tuple) -> bool:
    """``x * gamma`` with a C (channels-last or flat) or C×1×1 gamma: emit a ``layer_scale``."""
    shape = w.shape(x)
    c = channels(shape)
    want = (c,) if type(shape) is Permuted or len(shape) == 1 else (c,) + (1,) * (len(shape) - 1)
    if tuple(dims) != want or c == 1:
        return False
    w.emit("layer_scale", {}, [x])
    return True
