"""Each op's numpy forward against PyTorch's functional ops (the independent oracle).

Both sides run in float64 so any difference is a semantic one, not rounding. MACs counted by the
conv/linear kernels are checked against a count taken from torch's own tensors (output elements x
input channels per group x kernel area), and against the analytic rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cnncost.ops import OPS, REQUIRED, Op

torch = pytest.importorskip("torch")
F = torch.nn.functional


def run_op(name: str, args: dict[str, Any], in_shapes: list[tuple], n: int = 2, seed: int = 0,
           xs: list[np.ndarray] | None = None):
    """Prepare the op like the builder does and run its forward on random float64 data."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, list(in_shapes))
    out = op.shape(a, list(in_shapes))
    rng = np.random.default_rng(seed)
    if xs is None:
        xs = [rng.standard_normal((n, *s)) for s in in_shapes]
    w = {k: rng.standard_normal(s) for k, s in op.param_shapes(a, in_shapes, out).items()}
    w.update({k: rng.uniform(0.5, 2.0, s) for k, s in op.buffer_shapes(a, in_shapes, out).items()})
    y, counted = op.forward(a, xs, w)
    assert y.shape == (xs[0].shape[0], *out), "forward shape differs from the analytic shape"
    return y, counted, xs, w, op.macs(a, in_shapes, out)


def t(a: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(a))


def close(y: np.ndarray, ref: Any) -> None:
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_every_op_has_a_forward():
    missing = [name for name, op in OPS.items() if type(op).forward is Op.forward]
    assert missing == []


# ---- conv --------------------------------------------------------------------------------------

CONV_CASES = [
    # (C, H, W), args, torch padding (left, right, top, bottom) applied before a padding-0 conv
    ((3, 9, 9), {"c": 8, "k": 3, "p": 1}, (1, 1, 1, 1)),
    ((3, 15, 13), {"c": 4, "k": 7, "s": 2, "p": 3, "bias": False}, (3, 3, 3, 3)),
    ((4, 8, 8), {"c": 6, "k": 3, "groups": 2, "p": 1}, (1, 1, 1, 1)),
    ((6, 10, 7), {"c": 6, "k": 3, "groups": 6, "s": 2, "p": 1}, (1, 1, 1, 1)),  # depthwise
    ((4, 9, 9), {"c": 8, "k": 5, "groups": 4, "p": 2}, (2, 2, 2, 2)),          # multiplier 2
    ((3, 12, 12), {"c": 5, "k": 3, "d": 2, "p": 2}, (2, 2, 2, 2)),             # dilated
    ((4, 11, 11), {"c": 4, "k": 3, "d": [2, 3], "groups": 4, "p": [2, 3]}, (3, 3, 2, 2)),
    ((3, 8, 9), {"c": 4, "k": 3, "s": 2, "p": [0, 1, 0, 1]}, (0, 1, 0, 1)),   # TF-style pad
    ((3, 7, 7), {"c": 4, "k": 4, "p": "same"}, (1, 2, 1, 2)),                  # even 'same'
    ((2, 6, 10), {"c": 3, "k": [1, 7], "p": [0, 3], "s": [1, 2]}, (3, 3, 0, 0)),
    ((3, 5, 5), {"c": 2, "k": 5}, (0, 0, 0, 0)),                               # 1x1 output
]


@pytest.mark.parametrize("shape,args,tpad", CONV_CASES)
def test_conv_matches_torch(shape, args, tpad):
    y, counted, xs, w, macs = run_op("conv", args, [shape])
    k = args["k"] if isinstance(args["k"], list) else [args["k"]] * 2
    s = args.get("s", 1)
    d = args.get("d", 1)
    g = args.get("groups", 1)
    x = F.pad(t(xs[0]), tpad)
    ref = F.conv2d(x, t(w["weight"]), t(w["bias"]) if "bias" in w else None,
                   stride=s, dilation=d, groups=g)
    close(y, ref)
    # independent MAC count from torch's tensors: output elements x Cin/groups x kh x kw
    torch_macs = ref.numel() * (shape[0] // g) * k[0] * k[1]
    assert counted == torch_macs
    assert counted == 2 * macs  # the analytic rule is per sample; batch 2
    assert ("bias" in w) == args.get("bias", True)


def test_conv_same_padding_matches_torch_same():
    y, _, xs, w, _ = run_op("conv", {"c": 3, "k": 4, "d": 2, "p": "same"}, [(2, 9, 8)])
    ref = F.conv2d(t(xs[0]), t(w["weight"]), t(w["bias"]), padding="same", dilation=2)
    close(y, ref)


def test_conv_rejects_a_weight_of_the_wrong_shape():
    op = OPS["conv"]
    a = op.prepare({**{k: v for k, v in op.args.items() if v is not REQUIRED}, "c": 4, "k": 3,
                    "groups": 2}, [(4, 5, 5)])
    wrong = {"weight": np.zeros((4, 4, 3, 3)), "bias": np.zeros(4)}  # ignores groups
    with pytest.raises(ValueError):
        op.forward(a, [np.zeros((1, 4, 5, 5))], wrong)


# ---- pooling -----------------------------------------------------------------------------------

MAXPOOL_CASES = [
    ((3, 13, 13), {"k": 3, "s": 2}),
    ((3, 13, 13), {"k": 3, "s": 2, "ceil": True}),
    ((2, 112, 112), {"k": 3, "s": 2, "p": 1}),
    ((2, 14, 14), {"k": 3, "s": 2, "ceil": True}),   # GoogLeNet-style ceil
    ((2, 6, 6), {"k": 3, "s": 2, "p": 1, "ceil": True}),  # last window would start in padding
    ((2, 10, 9), {"k": 3, "s": 1, "p": 1}),
    ((2, 11, 11), {"k": 3, "s": 2, "d": 2, "p": 1, "ceil": True}),
    ((2, 8, 7), {"k": [2, 3], "s": [2, 1]}),
    ((2, 7, 7), {"k": 2}),  # stride defaults to the kernel
]


@pytest.mark.parametrize("shape,args", MAXPOOL_CASES)
def test_maxpool_matches_torch(shape, args):
    y, counted, xs, _, _ = run_op("maxpool", args, [shape])
    ref = F.max_pool2d(t(xs[0]), args["k"], args.get("s"), args.get("p", 0), args.get("d", 1),
                       ceil_mode=args.get("ceil", False))
    close(y, ref)
    assert counted == 0


AVGPOOL_CASES = [
    ((3, 8, 8), {"k": 2, "s": 2}),
    ((3, 9, 9), {"k": 3, "s": 1, "p": 1}),
    ((3, 9, 9), {"k": 3, "s": 1, "p": 1, "count_include_pad": False}),
    ((3, 7, 7), {"k": 3, "s": 2, "p": 1, "ceil": True}),
    ((3, 7, 7), {"k": 3, "s": 2, "p": 1, "ceil": True, "count_include_pad": False}),
    ((3, 6, 6), {"k": 3, "s": 2, "p": 1, "ceil": True}),  # ceil window clipped at the edge
    ((3, 10, 5), {"k": [3, 2], "s": [3, 2], "ceil": True}),
    ((3, 5, 5), {"k": 5}),
]


@pytest.mark.parametrize("shape,args", AVGPOOL_CASES)
def test_avgpool_matches_torch(shape, args):
    y, counted, xs, _, _ = run_op("avgpool", args, [shape])
    ref = F.avg_pool2d(t(xs[0]), args["k"], args.get("s"), args.get("p", 0),
                       ceil_mode=args.get("ceil", False),
                       count_include_pad=args.get("count_include_pad", True))
    close(y, ref)
    assert counted == 0


@pytest.mark.parametrize("shape,out", [((3, 7, 7), 3), ((3, 10, 13), [4, 5]), ((2, 5, 5), 7),
                                       ((2, 13, 13), 6), ((2, 1, 1), 1)])
def test_adaptive_avgpool_matches_torch(shape, out):
    y, _, xs, _, _ = run_op("adaptive_avgpool", {"out": out}, [shape])
    close(y, F.adaptive_avg_pool2d(t(xs[0]), out))


def test_gap_matches_torch():
    y, _, xs, _, _ = run_op("gap", {}, [(4, 5, 3)])
    close(y, F.adaptive_avg_pool2d(t(xs[0]), 1))
    close(y, t(xs[0]).mean(dim=(2, 3), keepdim=True))


# ---- normalisation -----------------------------------------------------------------------------

@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_inference_matches_torch(affine):
    y, counted, xs, w, _ = run_op("bn", {"eps": 1e-3, "affine": affine}, [(5, 4, 3)])
    ref = F.batch_norm(t(xs[0]), t(w["running_mean"]), t(w["running_var"]),
                       t(w["weight"]) if affine else None, t(w["bias"]) if affine else None,
                       training=False, eps=1e-3)
    close(y, ref)
    assert set(w) == ({"weight", "bias"} if affine else set()) | {"running_mean", "running_var"}
    assert counted == 0


@pytest.mark.parametrize("args", [{}, {"size": 4}, {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2},
                                  {"size": 3, "alpha": 0.5, "beta": 0.5, "k": 1}])
def test_lrn_matches_torch(args):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 4, 4)) * 10  # large enough for the norm to matter
    y, _, xs, _, _ = run_op("lrn", args, [(7, 4, 4)], xs=[x])
    ref = F.local_response_norm(t(x), args.get("size", 5), args.get("alpha", 1e-4),
                                args.get("beta", 0.75), args.get("k", 1.0))
    close(y, ref)


# ---- linear ------------------------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    y, counted, xs, w, macs = run_op("linear", {"out": 7, "bias": bias}, [(11,)], n=3)
    ref = F.linear(t(xs[0]), t(w["weight"]), t(w["bias"]) if bias else None)
    close(y, ref)
    assert counted == 3 * 11 * 7  # batch x in x out, by hand
    assert counted == 3 * macs


# ---- activations, softmax ----------------------------------------------------------------------

GRID = np.concatenate([np.linspace(-8, 8, 161), [-3.0, 3.0, 0.0, 6.0, -1e3, 1e3]])

ACTIVATIONS = [
    ("relu", {}, lambda x: F.relu(x)),
    ("relu6", {}, lambda x: F.relu6(x)),
    ("leaky_relu", {}, lambda x: F.leaky_relu(x, 0.01)),
    ("leaky_relu", {"slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("elu", {}, lambda x: F.elu(x)),
    ("elu", {"alpha": 0.5}, lambda x: F.elu(x, 0.5)),
    ("sigmoid", {}, torch.sigmoid),
    ("tanh", {}, torch.tanh),
    ("silu", {}, lambda x: F.silu(x)),
    ("hardswish", {}, lambda x: F.hardswish(x)),
    ("hardsigmoid", {}, lambda x: F.hardsigmoid(x)),
    ("gelu", {}, lambda x: F.gelu(x)),
]


@pytest.mark.parametrize("name,args,fn", ACTIVATIONS, ids=[f"{a[0]}{a[1]}" for a in ACTIVATIONS])
def test_activation_matches_torch(name, args, fn):
    x = GRID.reshape(1, -1)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # finite at +-1000
        y, counted, _, _, _ = run_op(name, args, [(x.shape[1],)], xs=[x])
    close(y, fn(t(x)))
    assert counted == 0


def test_activations_keep_the_input_dtype():
    x = GRID.astype(np.float32).reshape(1, -1)
    for name in ("relu", "sigmoid", "silu", "hardswish", "gelu", "elu"):
        y, *_ = run_op(name, {}, [(x.shape[1],)], xs=[x])
        assert y.dtype == np.float32, name


@pytest.mark.parametrize("shape", [(10,), (4, 3, 2)])
def test_softmax_matches_torch(shape):
    y, _, xs, _, _ = run_op("softmax", {}, [shape])
    close(y, F.softmax(t(xs[0]), dim=1))


def test_softmax_of_huge_logits_is_finite():
    x = np.array([[1000.0, 0.0, -1000.0]])
    y, *_ = run_op("softmax", {}, [(3,)], xs=[x])
    np.testing.assert_allclose(y, [[1.0, 0.0, 0.0]])


# ---- data movement -----------------------------------------------------------------------------

def test_channel_shuffle_matches_torchvision():
    from torchvision.models.shufflenetv2 import channel_shuffle

    y, _, xs, _, _ = run_op("channel_shuffle", {"groups": 3}, [(12, 2, 3)])
    close(y, channel_shuffle(t(xs[0]), 3))
    close(y, F.channel_shuffle(t(xs[0]), 3))


@pytest.mark.parametrize("parts,index", [(2, 0), (2, 1), (3, 2)])
def test_chunk_matches_torch(parts, index):
    y, _, xs, _, _ = run_op("chunk", {"parts": parts, "index": index}, [(6, 2, 2)])
    close(y, torch.chunk(t(xs[0]), parts, dim=1)[index])


def test_flatten_dropout_identity():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    y, *_ = run_op("flatten", {}, [(3, 4, 5)], xs=[x])
    close(y, torch.flatten(t(x), 1))
    y, *_ = run_op("dropout", {"p": 0.5}, [(3, 4, 5)], xs=[x])
    close(y, F.dropout(t(x), 0.5, training=False))
    y, *_ = run_op("identity", {}, [(3, 4, 5)], xs=[x])
    close(y, t(x))


def test_concat_add_mul_match_torch():
    rng = np.random.default_rng(3)
    a, b, c = (rng.standard_normal((2, k, 3, 3)) for k in (2, 5, 2))
    y, *_ = run_op("concat", {}, [(2, 3, 3), (5, 3, 3), (2, 3, 3)], xs=[a, b, c])
    close(y, torch.cat([t(a), t(b), t(c)], dim=1))
    y, *_ = run_op("add", {}, [(2, 3, 3), (2, 3, 3)], xs=[a, c])
    close(y, t(a) + t(c))
    gate = rng.standard_normal((2, 2, 1, 1))
    y, *_ = run_op("mul", {}, [(2, 3, 3), (2, 1, 1)], xs=[a, gate])
    close(y, t(a) * t(gate))
