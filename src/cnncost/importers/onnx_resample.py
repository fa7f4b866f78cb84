"""ONNX handlers for ConvTranspose, Pad and Resize/Upsample."""

from __future__ import annotations

from typing import Any

from .onnx_graph import Walker, handles
from .onnx_ops import one, spec_args, spec_pads
from .onnx_read import ONode


@handles("ConvTranspose")
def conv_transpose(w: Walker, n: ONode) -> None:
    x, weight, bias = w.data(0), w.const(1, known=False), w.const(2, known=False)
    cin, cout_g, *k = weight.dims
    groups = int(w.attr("group", 1))
    if len(k) != 2 or cin != w.shape(x)[0]:
        raise w.fail(f"weight {list(weight.dims)} does not fit {w.shape(x)[0]} input channels "
                     "(2-D transposed convolutions only)")
    if w.attr("output_shape") is not None or w.attr("auto_pad", "NOTSET") not in ("NOTSET", ""):
        raise w.fail("ConvTranspose with output_shape or auto_pad is not supported")
    p = list(w.attr("pads", [0, 0, 0, 0]))
    if p[0] != p[2] or p[1] != p[3]:
        raise w.fail(f"asymmetric ConvTranspose pads {p} are not supported")
    args = spec_args({"c": cout_g * groups, "k": one(k)}, (
        ("s", one(list(w.attr("strides", [1, 1]))), 1), ("p", one([p[0], p[1]]), 0),
        ("output_padding", one(list(w.attr("output_padding", [0, 0]))), 0),
        ("d", one(list(w.attr("dilations", [1, 1]))), 1), ("groups", groups, 1)),
        bias is not None)
    w.emit("conv_transpose", args, [x])


@handles("Pad")
def pad(w: Walker, n: ONode) -> None:
    x = w.data(0)
    pads = w.attr("pads")
    if pads is None:
        pads = w.const(1).values
    value = w.const(2).scalar if w.const(2) is not None else w.attr("value", 0.0)
    mode = {"edge": "replicate"}.get(w.attr("mode", "constant"), w.attr("mode", "constant"))
    pads = list(pads)
    if len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)):
        raise w.fail(f"Pad {pads}: only spatial padding of N×C×H×W is supported")
    if mode not in ("constant", "reflect", "replicate"):
        raise w.fail(f"Pad mode {mode!r} is not supported")
    args: dict[str, Any] = {"p": spec_pads([pads[2], pads[6], pads[3], pads[7]])}
    if mode != "constant":
        args["mode"] = mode
    if value:
        args["value"] = float(value)
    w.emit("pad", args, [x])


@handles("Resize", "Upsample")
def resize(w: Walker, n: ONode) -> None:
    x = w.data(0)
    per = w.shape(x)
    scales = None
    if n.op == "Upsample":
        scales = w.attr("scales") or (w.const(1).values if w.const(1) is not None else None)
    else:
        sc = w.const(2) if len(n.inputs) > 2 and n.inputs[2] else None
        if sc is not None and sc.values:
            scales = sc.values
        elif len(n.inputs) > 3 and n.inputs[3]:
            sizes = w.const(3).values
            scales = [1, 1] + [s / d for s, d in zip(sizes[2:], per[1:])]
    if not scales or len(scales) != 4 or list(scales[:2]) != [1, 1] or \
            any(float(s) != int(s) or s < 1 for s in scales[2:]):
        raise w.fail(f"resize by {scales}: only integer spatial scales are supported")
    mode = w.attr("mode", "nearest")
    mode = {"linear": "bilinear"}.get(mode, mode)
    if mode not in ("nearest", "bilinear"):
        raise w.fail(f"resize mode {mode!r} is not supported")
    args: dict[str, Any] = {"scale": one([int(scales[2]), int(scales[3])])}
    if mode != "nearest":
        args["mode"] = mode
        if w.attr("coordinate_transformation_mode") == "align_corners":
            args["align_corners"] = True
    w.emit("upsample", args, [x])
