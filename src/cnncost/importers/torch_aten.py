"""The aten ops torchvision and timm CNNs export to, mapped onto cnncost ops."""

from __future__ import annotations

from typing import Any

from ..dims import Permuted
from .onnx_ops import one, spec_args
from .torch_ops import TorchWalker, aten
from .values import Const, Data


def _pair(v: Any) -> list:
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * 2 if len(v) == 1 else v


def _conv(w: TorchWalker, x: int, weight: Const, bias: Any, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Data:
    cout, cin_g, *k = weight.dims
    if len(k) != 2:
        raise w.fail(f"only 2-D convolutions are supported (weight {list(weight.dims)})")
    pad: Any = padding if isinstance(padding, str) else one(_pair(padding))
    if pad == "valid":
        pad = 0
    args = spec_args({"c": cout, "k": one(k)}, (("s", one(_pair(stride)), 1), ("p", pad, 0),
                                                 ("d", one(_pair(dilation)), 1),
                                                 ("groups", groups, 1)), bias is not None)
    return w.emit("conv", args, [x])


@aten("conv2d")
def conv2d(w: TorchWalker, n: Any) -> Data:
    return _conv(w, w.data(0), w.value(w.arg(1, "weight")), w.arg(2, "bias"),
                 w.arg(3, "stride", 1), w.arg(4, "padding", 0), w.arg(5, "dilation", 1),
                 int(w.arg(6, "groups", 1)))


@aten("convolution")
def convolution(w: TorchWalker, n: Any) -> Data:
    if w.arg(6, "transposed", False):
        raise w.fail("transposed convolutions are not supported yet")
    return _conv(w, w.data(0), w.value(w.arg(1, "weight")), w.arg(2, "bias"),
                 w.arg(3, "stride", 1), w.arg(4, "padding", 0), w.arg(5, "dilation", 1),
                 int(w.arg(8, "groups", 1)))


@aten("batch_norm", "_native_batch_norm_legit_no_training")
def batch_norm(w: TorchWalker, n: Any) -> Any:
    eps = float(w.arg(7, "eps", 1e-5) if "legit" not in str(n.target) else w.arg(6, "eps", 1e-5))
    args: dict[str, Any] = {} if abs(eps - 1e-5) < 1e-12 else {"eps": eps}
    if w.arg(1, "weight") is None:
        args["affine"] = False
    out = w.emit("bn", args, [w.data(0)])
    return [out, None, None] if "legit" in str(n.target) else out


@aten("linear")
def linear(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    if len(w.shape(x)) != 1 and type(w.shape(x)) is not Permuted:
        raise w.fail("linear over a C×H×W tensor (not flattened) is not supported")
    weight = w.value(w.arg(1, "weight"))
    args: dict[str, Any] = {"out": weight.dims[0]}
    if w.arg(2, "bias") is None:
        args["bias"] = False
    return w.emit("linear", args, [x])


ACT = {"relu": "relu", "silu": "silu", "sigmoid": "sigmoid", "tanh": "tanh",
       "hardswish": "hardswish", "hardsigmoid": "hardsigmoid", "mish": "mish", "relu6": "relu6"}


@aten(*ACT, *(k + "_" for k in ACT))
def activation(w: TorchWalker, n: Any) -> Data:
    name = str(n.target).split(".")[1]
    return w.emit(ACT[name.rstrip("_")], {}, [w.data(0)], inplace=name.endswith("_"))


@aten("hardtanh", "hardtanh_")
def hardtanh(w: TorchWalker, n: Any) -> Data:
    lo, hi = w.arg(1, "min_val", -1.0), w.arg(2, "max_val", 1.0)
    if (lo, hi) != (0.0, 6.0):
        raise w.fail(f"hardtanh to [{lo}, {hi}]: only [0, 6] (relu6) is supported")
    return w.emit("relu6", {}, [w.data(0)], inplace=str(n.target).split(".")[1].endswith("_"))


@aten("gelu", "gelu_")
def gelu(w: TorchWalker, n: Any) -> Data:
    if w.arg(1, "approximate", "none") != "none":
        raise w.fail("gelu(approximate='tanh') is not supported")
    return w.emit("gelu", {}, [w.data(0)])


@aten("leaky_relu", "leaky_relu_")
def leaky_relu(w: TorchWalker, n: Any) -> Data:
    return w.emit("leaky_relu", {"slope": float(w.arg(1, "negative_slope", 0.01))}, [w.data(0)],
                  inplace=str(n.target).split(".")[1].endswith("_"))


@aten("elu", "elu_")
def elu(w: TorchWalker, n: Any) -> Data:
    return w.emit("elu", {"alpha": float(w.arg(1, "alpha", 1.0))}, [w.data(0)])


@aten("max_pool2d")
def max_pool2d(w: TorchWalker, n: Any) -> Data:
    k = _pair(w.arg(1, "kernel_size"))
    s = _pair(w.arg(2, "stride", []) or k)
    args: dict[str, Any] = {"k": one(k), "s": one(s)}
    p, d = one(_pair(w.arg(3, "padding", 0))), one(_pair(w.arg(4, "dilation", 1)))
    if p != 0:
        args["p"] = p
    if d != 1:
        args["d"] = d
    if w.arg(5, "ceil_mode", False):
        args["ceil"] = True
    return w.emit("maxpool", args, [w.data(0)])


@aten("avg_pool2d")
def avg_pool2d(w: TorchWalker, n: Any) -> Data:
    k = _pair(w.arg(1, "kernel_size"))
    s = _pair(w.arg(2, "stride", []) or k)
    args: dict[str, Any] = {"k": one(k), "s": one(s)}
    p = one(_pair(w.arg(3, "padding", 0)))
    if p != 0:
        args["p"] = p
    if w.arg(4, "ceil_mode", False):
        args["ceil"] = True
    if not w.arg(5, "count_include_pad", True):
        args["count_include_pad"] = False
    if w.arg(6, "divisor_override") is not None:
        raise w.fail("avg_pool2d with divisor_override is not supported")
    return w.emit("avgpool", args, [w.data(0)])


@aten("adaptive_avg_pool2d", "_adaptive_avg_pool2d")
def adaptive_avg_pool2d(w: TorchWalker, n: Any) -> Data:
    out = one(_pair(w.arg(1, "output_size")))
    if out == 1:
        return w.emit("gap", {}, [w.data(0)])
    return w.emit("adaptive_avgpool", {"out": out}, [w.data(0)])


@aten("mean")
def mean(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    dims = sorted(int(d) % 4 for d in (w.arg(1, "dim") or []))
    if len(w.shape(x)) != 3 or dims != [2, 3]:
        raise w.fail(f"mean over dims {dims}: only the spatial mean is supported")
    keep = w.arg(2, "keepdim", False)
    out = w.emit("gap", {}, [x], check=bool(keep))
    return out if keep else w.emit("flatten", {}, [out.idx])


@aten("conv_transpose2d")
def conv_transpose2d(w: TorchWalker, n: Any) -> Data:
    weight = w.value(w.arg(1, "weight"))
    groups = int(w.arg(6, "groups", 1))
    optional = [(key, one(_pair(w.arg(i, name, default))), default) for key, i, name, default
                in (("s", 3, "stride", 1), ("p", 4, "padding", 0),
                    ("output_padding", 5, "output_padding", 0), ("d", 7, "dilation", 1))]
    args = spec_args({"c": weight.dims[1] * groups, "k": one(list(weight.dims[2:]))},
                     [*optional, ("groups", groups, 1)], w.arg(2, "bias") is not None)
    return w.emit("conv_transpose", args, [w.data(0)])


@aten("softplus")
def softplus(w: TorchWalker, n: Any) -> Data:
    if w.arg(1, "beta", 1) != 1:
        raise w.fail("softplus with beta other than 1 is not supported")
    return w.emit("softplus", {}, [w.data(0)])


@aten("prelu", "_prelu_kernel")
def prelu(w: TorchWalker, n: Any) -> Data:
    weight = w.value(w.arg(1, "weight"))
    return w.emit("prelu", {"num_parameters": int(weight.dims[0]) if weight.dims else 1},
                  [w.data(0)])


@aten("upsample_nearest2d", "upsample_bilinear2d")
def upsample(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    per = w.shape(x)
    size = w.arg(1, "output_size")
    name = str(n.target).split(".")[1]
    scales = w.arg(3 if "bilinear" in name else 2, "scales_h") if size is None else None
    if size is not None:
        if any(not isinstance(s, int) or s % d for s, d in zip(size, per[1:])):
            raise w.fail(f"upsampling {list(per)} to {list(size)}: only integer scales")
        scale = [s // d for s, d in zip(size, per[1:])]
    else:
        vals = w.arg(2, "scale_factors") or scales
        scale = [int(v) for v in _pair(vals)]
    args: dict[str, Any] = {"scale": one(scale)}
    if "bilinear" in name:
        args["mode"] = "bilinear"
        if w.arg(2, "align_corners", False):
            args["align_corners"] = True
    return w.emit("upsample", args, [x])


@aten("pad", "constant_pad_nd", "reflection_pad2d", "replication_pad2d")
def pad(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    p = list(w.arg(1, "pad"))
    name = str(n.target).split(".")[1]
    mode = {"reflection_pad2d": "reflect", "replication_pad2d": "replicate"}.get(
        name, w.arg(2, "mode", "constant") if name == "pad" else "constant")
    if len(p) != 4:
        raise w.fail(f"pad {p}: only [left, right, top, bottom] spatial padding is supported")
    args: dict[str, Any] = {"p": [p[2], p[3], p[0], p[1]]}
    if mode != "constant":
        args["mode"] = mode
    value = w.arg(2 if name == "constant_pad_nd" else 3, "value", 0) or 0
    if value:
        args["value"] = float(value)
    return w.emit("pad", args, [x])
