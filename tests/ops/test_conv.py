"""The conv op: shape, params and MACs by hand arithmetic, PyTorch's 'same' and padding rules, and
its numpy forward against PyTorch's functional conv (the independent oracle).

Both sides run in float64 so any difference is a semantic one, not rounding. MACs counted by the
conv kernel are checked against a count taken from torch's own tensors (output elements x
input channels per group x kernel area), and against the analytic rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.errors import CnnCostError
from cnncost.ops import OPS, REQUIRED

from op_helpers import close, F, needs_torch, one_layer, prepared, run_op, t, torch


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


@needs_torch
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


@needs_torch
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


# ---- data movement -----------------------------------------------------------------------------


def test_conv_alexnet_conv1_by_hand():
    shape, n = one_layer("conv", {"c": 64, "k": 11, "s": 4, "p": 2}, (3, 227, 227))
    assert shape == (64, (227 + 2 * 2 - 11) // 4 + 1, 56)  # 220 // 4 + 1 = 56
    assert n.params == 64 * 3 * 11 * 11 + 64 == 23_296
    assert n.macs == 64 * 56 * 56 * 3 * 11 * 11 == 72_855_552
    assert n.other_ops == 64 * 56 * 56  # one bias add per output


def test_grouped_and_depthwise_conv():
    _, n = one_layer("conv", {"c": 16, "k": 3, "p": 1, "groups": 4}, (8, 10, 10))
    assert n.params == 16 * (8 // 4) * 9 + 16 == 304
    assert n.macs == 16 * 10 * 10 * 2 * 9 == 28_800
    _, dw = one_layer("conv", {"c": 32, "k": 3, "s": 2, "p": 1, "groups": 32, "bias": False},
                      (32, 112, 112))
    assert dw.shape == (32, 56, 56)  # floor((112 + 2 - 3) / 2) + 1 = 56
    assert dw.params == 32 * 1 * 9
    assert dw.macs == 32 * 56 * 56 * 9


def test_conv_dilation_and_asymmetric_padding():
    shape, _ = one_layer("conv", {"c": 1, "k": 3, "d": 2}, (1, 10, 10))
    assert shape == (1, 10 - 2 * (3 - 1), 6)
    shape, _ = one_layer("conv", {"c": 1, "k": 2, "p": [0, 1, 2, 3]}, (1, 5, 5))
    assert shape == (1, 5 + 0 + 1 - 2 + 1, 5 + 2 + 3 - 2 + 1)
    shape, _ = one_layer("conv", {"c": 4, "k": [1, 7], "p": [0, 3]}, (2, 17, 17))
    assert shape == (4, 17, 17)
    shape, _ = one_layer("conv", {"c": 4, "k": 5, "p": "same"}, (2, 9, 9))
    assert shape == (4, 9, 9)


def test_conv_errors():
    with pytest.raises(CnnCostError, match="larger than the padded input"):
        one_layer("conv", {"c": 8, "k": 7}, (3, 5, 5))
    with pytest.raises(CnnCostError, match="groups=3 does not divide"):
        one_layer("conv", {"c": 8, "k": 1, "groups": 3}, (6, 5, 5))
    with pytest.raises(CnnCostError, match="must be an integer"):
        one_layer("conv", {"c": 8.5, "k": 1}, (6, 5, 5))


def test_conv_same_refuses_a_stride():
    with pytest.raises(CnnCostError, match="stride 1"):
        prepared("conv", {"c": 4, "k": 3, "s": 2, "p": "same"}, (3, 8, 8))
    with pytest.raises(CnnCostError, match="stride 1"):
        prepared("conv", {"c": 4, "k": 3, "s": [1, 2], "p": "same"}, (3, 8, 8))
    # stride 1 keeps H x W: total padding d*(k-1) = 2*2 = 4 -> 8 + 4 - 4 - 1 + 1 = 8
    assert prepared("conv", {"c": 4, "k": 3, "d": 2, "p": "same"}, (3, 8, 8)) == (4, 8, 8)


@needs_torch
def test_conv_same_stride_refused_by_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="strided"):
        torch.nn.functional.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(4, 3, 3, 3),
                                   stride=2, padding="same")
