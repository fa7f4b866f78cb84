"""linear over the last axis of a channels-last H×W×C tensor (ConvNeXt's pointwise layers)."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.dims import Permuted, layout_name
from cnncost.errors import CnnCostError

from layout_helpers import forward, rules

LAST = (1, 2, 0)


def test_per_position_by_hand():
    _, out, params, macs, other = rules("linear", {"out": 384}, [Permuted((56, 56, 96), LAST)])
    assert tuple(out) == (56, 56, 384) and layout_name(out) == "channels_last"
    assert params == {"weight": (384, 96), "bias": (384,)}  # in*out + out = 37,248 params
    assert macs == 56 * 56 * 96 * 384 == 115_605_504     # H*W*in*out
    assert other == 56 * 56 * 384                        # one bias add per output


def test_flat_input_unchanged():
    _, out, params, macs, other = rules("linear", {"out": 10, "bias": False}, [(512,)])
    assert (out, params, macs, other) == ((10,), {"weight": (10, 512)}, 5120, 0)


def test_channels_first_map_still_needs_flatten():
    with pytest.raises(CnnCostError, match="linear needs a flat input, got 3x32x32; add "
                                           "'flatten' before it"):
        rules("linear", {"out": 10}, [(3, 32, 32)])


def test_forward_equals_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 4, 6))  # N x H x W x C
    w = {"weight": rng.standard_normal((3, 6)), "bias": rng.standard_normal(3)}
    y, counted = forward("linear", {"out": 3}, Permuted((5, 4, 6), LAST), x, w)
    ref = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w["weight"]),
                                     torch.from_numpy(w["bias"]))
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-12, atol=1e-12)
    assert counted == 2 * 5 * 4 * 6 * 3
