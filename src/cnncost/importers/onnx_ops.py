"""ONNX op handlers: each maps one node onto a cnncost op, or folds it as a constant."""

from __future__ import annotations

from typing import Any

from ..dims import Permuted, ceil_div, is_symbolic
from .onnx_graph import Walker, handles
from .onnx_layout import layer_scale
from .onnx_read import ONode
from .values import Const, Data, broadcast, product


def one(values: list) -> Any:
    """``[3, 3]`` -> ``3``; unequal pairs stay lists (the spec's ``k: [kh, kw]``)."""
    return values[0] if len(set(values)) == 1 else list(values)


def spec_args(args: dict[str, Any], optional: Any, bias: bool = True) -> dict[str, Any]:
    """``args`` plus each ``(key, value, default)`` of ``optional`` whose value is not the
    default, and ``bias: false`` for a layer without one: a conv-like layer's spec arguments as
    a person writes them (both importers)."""
    for key, value, default in optional:
        if value != default:
            args[key] = value
    if not bias:
        args["bias"] = False
    return args


def window_pads(w: Walker, x: int, k: list, s: list, d: list) -> list:
    """ONNX ``pads``/``auto_pad`` -> [top, bottom, left, right]."""
    auto = w.attr("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        p = list(w.attr("pads", [0, 0, 0, 0]))
        if len(p) != 4:
            raise w.fail(f"pads {p} must have 4 values (2-D windows only)")
        return [p[0], p[2], p[1], p[3]]
    if auto == "VALID":
        return [0, 0, 0, 0]
    out = []
    for size, kk, ss, dd in zip(w.shape(x)[1:], k, s, d):
        if is_symbolic(size) and ss != 1:
            raise w.fail(f"auto_pad {auto} with stride {ss} on a symbolic size: export with "
                         "explicit pads")
        total = max((ceil_div(size, ss) - 1) * ss + dd * (kk - 1) + 1 - size, 0) \
            if not is_symbolic(size) else dd * (kk - 1)
        small = total // 2
        out += [small, total - small] if auto == "SAME_UPPER" else [total - small, small]
    return out


def spec_pads(p: list) -> Any:
    """[t, b, l, r] -> the shortest spec form."""
    t, b, left, r = p
    if t == b and left == r:
        return t if t == left else [t, left]
    return list(p)


def _window(w: Walker, x: int, k: list) -> tuple[list, list, list]:
    s = list(w.attr("strides", [1] * len(k)))
    d = list(w.attr("dilations", [1] * len(k)))
    return s, d, window_pads(w, x, k, s, d)


@handles("Conv")
def conv(w: Walker, n: ONode) -> None:
    x, weight, bias = w.data(0), w.const(1, known=False), w.const(2, known=False)
    cout, cin_g, *k = weight.dims
    if len(k) != 2 or len(w.shape(x)) != 3:
        raise w.fail(f"only 2-D convolutions are supported (weight {list(weight.dims)})")
    groups = int(w.attr("group", 1))
    if w.shape(x)[0] != cin_g * groups:
        raise w.fail(f"weight {list(weight.dims)} with group={groups} does not fit "
                     f"{w.shape(x)[0]} input channels")
    s, d, p = _window(w, x, k)
    args = spec_args({"c": cout, "k": one(k)}, (("s", one(s), 1), ("p", spec_pads(p), 0),
                                                 ("d", one(d), 1), ("groups", groups, 1)),
                     bias is not None)
    if n.fused_bn or bias is not None and n.inputs[2].startswith("onnx::") and \
            w.f.producer == "pytorch":
        w.folded += 1  # tagged by the exporter, or a bias it made: BatchNorm folded in here
    w.emit("conv", args, [x])


def _pool(w: Walker, n: ONode, op: str) -> None:
    x = w.data(0)
    k = list(w.attr("kernel_shape", []))
    if len(k) != 2:
        raise w.fail(f"kernel_shape {k}: only 2-D pools are supported")
    s, d, p = _window(w, x, k)
    if p[0] != p[1] or p[2] != p[3]:
        raise w.fail(f"asymmetric pool padding {p} is not supported")
    args: dict[str, Any] = {"k": one(k), "s": one(s)}
    if p[0] or p[2]:
        args["p"] = one([p[0], p[2]])
    if op == "maxpool" and one(d) != 1:
        args["d"] = one(d)
    if w.attr("ceil_mode", 0):
        args["ceil"] = True
    if op == "avgpool":
        args["count_include_pad"] = bool(w.attr("count_include_pad", 0))
    if len(n.outputs) > 1 and n.outputs[1]:
        raise w.fail("MaxPool's indices output is not supported")
    w.emit(op, args, [x])


@handles("MaxPool")
def maxpool(w: Walker, n: ONode) -> None:
    _pool(w, n, "maxpool")


@handles("AveragePool")
def avgpool(w: Walker, n: ONode) -> None:
    _pool(w, n, "avgpool")


@handles("GlobalAveragePool")
def gap(w: Walker, n: ONode) -> None:
    w.emit("gap", {}, [w.data(0)])


@handles("ReduceMean")
def reduce_mean(w: Walker, n: ONode) -> None:
    x = w.data(0)
    axes = w.attr("axes")
    if axes is None and len(n.inputs) > 1 and n.inputs[1]:
        axes = w.const(1).values
    rank = len(w.shape(x)) + 1
    axes = sorted(int(a) % rank for a in (axes or []))
    if rank != 4 or axes != [2, 3]:
        raise w.fail(f"ReduceMean over axes {axes} of a rank-{rank} tensor: only the spatial "
                     "mean (axes 2, 3 of N×C×H×W) is supported")
    idx = w.emit("gap", {}, [x])
    if not w.attr("keepdims", 1):
        w.emit("flatten", {}, [idx])


def _flat_input(w: Walker, what: str) -> int:
    x = w.data(0)
    if len(w.shape(x)) != 1:
        raise w.fail(f"{what} needs N×features input, got N×{'×'.join(map(str, w.shape(x)))}")
    return x


@handles("Gemm")
def gemm(w: Walker, n: ONode) -> None:
    x = _flat_input(w, "Gemm")
    weight, bias = w.const(1, known=False), w.const(2, known=False)
    if w.attr("transA", 0) or len(weight.dims) != 2:
        raise w.fail("Gemm with transA or a non-matrix weight is not supported")
    out, fan_in = weight.dims if w.attr("transB", 0) else weight.dims[::-1]
    if fan_in != w.shape(x)[0]:
        raise w.fail(f"weight {list(weight.dims)} does not fit {w.shape(x)[0]} input features")
    args: dict[str, Any] = {"out": out}
    if bias is None:
        args["bias"] = False
    w.emit("linear", args, [x])


@handles("MatMul")
def matmul(w: Walker, n: ONode) -> None:
    x = w.data(0)
    if type(w.shape(x)) is not Permuted:  # channels-last: over the last axis, per position
        x = _flat_input(w, "MatMul")
    weight = w.const(1, known=False)
    if len(weight.dims) != 2 or weight.dims[0] != w.shape(x)[-1]:
        raise w.fail(f"MatMul with weight {list(weight.dims)} on {w.shape(x)[-1]} features: "
                     "only a features × out weight is supported")
    w.emit("linear", {"out": weight.dims[1], "bias": False}, [x])


@handles("BatchNormalization")
def batchnorm(w: Walker, n: ONode) -> None:
    eps = float(w.attr("epsilon", 1e-5))
    args = {} if abs(eps - 1e-5) < 1e-12 else {"eps": eps}
    w.emit("bn", args, [w.data(0)])


SIMPLE = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hardswish",
          "Softplus": "softplus", "Mish": "mish", "cnncost:silu": "silu",
          "cnncost:gelu": "gelu", "cnncost:hardswish": "hardswish",
          "cnncost:mish": "mish"}


@handles(*SIMPLE)
def simple(w: Walker, n: ONode) -> None:
    w.emit(SIMPLE[n.op], {}, [w.data(0)])


@handles("LeakyRelu")
def leaky_relu(w: Walker, n: ONode) -> None:
    w.emit("leaky_relu", {"slope": float(w.attr("alpha", 0.01))}, [w.data(0)])


@handles("Elu")
def elu(w: Walker, n: ONode) -> None:
    w.emit("elu", {"alpha": float(w.attr("alpha", 1.0))}, [w.data(0)])


@handles("Gelu")
def gelu(w: Walker, n: ONode) -> None:
    if w.attr("approximate", "none") != "none":
        raise w.fail("Gelu with approximate='tanh' is not supported")
    w.emit("gelu", {}, [w.data(0)])


@handles("HardSigmoid")
def hardsigmoid(w: Walker, n: ONode) -> None:
    # ONNX's defaults are alpha 0.2, beta 0.5; PyTorch's Hardsigmoid is alpha 1/6
    alpha, beta = float(w.attr("alpha", 0.2)), float(w.attr("beta", 0.5))
    args = {} if abs(alpha - 1 / 6) < 1e-7 and beta == 0.5 else {"alpha": alpha, "beta": beta}
    w.emit("hardsigmoid", args, [w.data(0)])


@handles("Clip")
def clip(w: Walker, n: ONode) -> None:
    lo, hi = w.attr("min"), w.attr("max")
    if len(n.inputs) > 1:
        c_lo, c_hi = w.const(1), w.const(2)
        lo = c_lo.scalar if c_lo is not None else None
        hi = c_hi.scalar if c_hi is not None else None
    if lo == 0 and hi == 6:
        w.emit("relu6", {}, [w.data(0)])
    elif lo == 0 and (hi is None or hi >= 3.4e38):
        w.emit("relu", {}, [w.data(0)])
    else:
        raise w.fail(f"Clip to [{lo}, {hi}]: only [0, 6] (relu6) and [0, inf) (relu) are "
                     "supported")


@handles("PRelu")
def prelu(w: Walker, n: ONode) -> None:
    slope = w.const(1, known=False)
    w.emit("prelu", {"num_parameters": int(product(list(slope.dims)))}, [w.data(0)])


@handles("Dropout")
def dropout(w: Walker, n: ONode) -> None:
    ratio = w.attr("ratio", 0.5)
    if len(n.inputs) > 1 and n.inputs[1]:
        ratio = w.const(1).scalar
    w.emit("dropout", {"p": float(ratio)}, [w.data(0)])


@handles("Identity", "Cast", "CastLike")
def identity(w: Walker, n: ONode) -> None:
    w.alias(0)


@handles("Softmax", "LogSoftmax")
def softmax(w: Walker, n: ONode) -> None:
    x = w.data(0)
    axis = int(w.attr("axis", -1)) % (len(w.shape(x)) + 1)
    if axis != 1:
        raise w.fail(f"softmax over axis {axis}: only over channels / features is supported")
    w.emit("softmax", {}, [x])


@handles("Flatten")
def flatten(w: Walker, n: ONode) -> None:
    x = w.data(0)
    if int(w.attr("axis", 1)) % (len(w.shape(x)) + 1) != 1:
        raise w.fail("Flatten with axis other than 1 is not supported")
    if len(w.shape(x)) == 1:
        w.alias(0)
    else:
        w.emit("flatten", {}, [x])


@handles("Add", "Sub", "Mul", "Div")
def arithmetic(w: Walker, n: ONode) -> None:
    a, b = w.get(n.inputs[0]), w.get(n.inputs[1])
    if isinstance(a, Const) and isinstance(b, Const):
        w.set(0, broadcast(n.op, a, b))
        return
    if isinstance(a, Data) and isinstance(b, Data) and n.op in ("Add", "Mul"):
        w.emit(n.op.lower(), {}, [a.idx, b.idx])
        return
    data, other = (a, b) if isinstance(a, Data) else (b, a)
    node = w.ir.nodes[data.idx]
    if (n.op == "Add" and node.op == "linear" and node.args.get("bias") is False
            and tuple(d for d in other.dims if d != 1) == (node.args["out"],)):
        node.args.pop("bias")  # MatMul + Add: a linear layer with its bias
        w.set(0, data)
        return
    if other.values is not None and len(other.values) == 1 and \
            other.values[0] == (0 if n.op in ("Add", "Sub") else 1):
        w.set(0, data)  # x + 0, x * 1: nothing
        return
    if n.op == "Mul" and layer_scale(w, data.idx, other.dims):
        return
    raise w.fail(f"{n.op} of an activation and a constant of shape {list(other.dims)} is not "
                 "supported")


@handles("Concat")
def concat(w: Walker, n: ONode) -> None:
    values = [w.get(i) for i in n.inputs]
    if all(isinstance(v, Const) for v in values):
        if any(v.values is None for v in values):
            w.set(0, Const((sum(v.dims[0] if v.dims else 1 for v in values),)))
        else:
            w.set(0, Const((sum(len(v.values) for v in values),),
                           [x for v in values for x in v.values]))
        return
    if not all(isinstance(v, Data) for v in values):
        raise w.fail("Concat of activations and constants is not supported")
    rank = len(w.shape(values[0].idx)) + 1
    if int(w.attr("axis", 1)) % rank != 1:
        raise w.fail("Concat along an axis other than channels is not supported")
    w.emit("concat", {}, [v.idx for v in values])
