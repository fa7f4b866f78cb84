"""layernorm over the channels (LayerNorm2d on C×H×W, nn.LayerNorm on channels-last) or the last
axis: 2C params, no buffers; numpy forward against torch's layer_norm."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnncost.dims import Permuted
from cnncost.errors import CnnCostError

from layout_helpers import forward, rules

LAST = (1, 2, 0)


def test_over_channels_of_a_channels_first_map_by_hand():
    a, out, params, macs, other = rules("layernorm", {"eps": 1e-6}, [(96, 56, 56)])
    assert out == (96, 56, 56) and params == {"weight": (96,), "bias": (96,)} and macs == 0
    # 7 per element (mean add, subtract, square, variance add, 1/std multiply, scale, shift)
    # + 4 per normalised row (two divides, +eps, rsqrt); 56*56 rows of 96
    assert other == 7 * 96 * 56 * 56 + 4 * 56 * 56
    assert a["eps"] == 1e-6


def test_over_channels_of_a_channels_last_tensor():
    _, out, params, _, other = rules("layernorm", {}, [Permuted((56, 56, 96), LAST)])
    assert out == Permuted((56, 56, 96), LAST) and params["weight"] == (96,)
    assert other == 7 * 96 * 56 * 56 + 4 * 56 * 56


def test_over_the_last_axis_and_without_affine():
    _, _, params, _, other = rules("layernorm", {"axis": "last", "affine": False}, [(8, 5, 7)])
    assert params == {} and other == 5 * 8 * 5 * 7 + 4 * 8 * 5
    _, _, params, _, _ = rules("layernorm", {"axis": "last"}, [(8, 5, 7)])
    assert params == {"weight": (7,), "bias": (7,)}


def test_bad_axis():
    with pytest.raises(CnnCostError, match="channels or last"):
        rules("layernorm", {"axis": "width"}, [(8, 5, 7)])


def test_forward_by_hand():
    # one position, channels [1, 2, 3]: mean 2, biased variance 2/3
    x = np.array([[[[1.0]], [[2.0]], [[3.0]]]])
    y, _ = forward("layernorm", {"eps": 0.0}, (3, 1, 1), x,
                   {"weight": np.ones(3), "bias": np.zeros(3)})
    s = math.sqrt(2 / 3)
    np.testing.assert_allclose(y.reshape(-1), [-1 / s, 0.0, 1 / s], rtol=1e-15)


@pytest.mark.parametrize("layout", ["channels_first", "channels_last", "last_axis"])
def test_forward_equals_torch(layout):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 5, 4))  # N, C, H, W
    w = {"weight": rng.standard_normal(6), "bias": rng.standard_normal(6)}
    t = torch.from_numpy(x)
    if layout == "channels_first":  # torchvision's LayerNorm2d
        y, _ = forward("layernorm", {"eps": 1e-6}, (6, 5, 4), x, w)
        ref = F.layer_norm(t.permute(0, 2, 3, 1), (6,), torch.from_numpy(w["weight"]),
                           torch.from_numpy(w["bias"]), 1e-6).permute(0, 3, 1, 2)
    elif layout == "channels_last":  # nn.LayerNorm(C) on N x H x W x C
        xl = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        y, _ = forward("layernorm", {"eps": 1e-6}, Permuted((5, 4, 6), LAST), xl, w)
        ref = F.layer_norm(torch.from_numpy(xl), (6,), torch.from_numpy(w["weight"]),
                           torch.from_numpy(w["bias"]), 1e-6)
    else:  # nn.LayerNorm(W) on a channels-first map
        w = {"weight": rng.standard_normal(4), "bias": rng.standard_normal(4)}
        y, _ = forward("layernorm", {"axis": "last"}, (6, 5, 4), x, w)
        ref = F.layer_norm(t, (4,), torch.from_numpy(w["weight"]), torch.from_numpy(w["bias"]))
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-12, atol=1e-12)
