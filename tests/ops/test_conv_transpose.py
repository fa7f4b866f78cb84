"""conv_transpose: shape, params and MACs by hand; forward against torch's conv_transpose2d."""

from __future__ import annotations

import numpy as np
import pytest

from single_op import run_op


def test_shape_params_macs_by_hand():
    r = run_op("conv_transpose", {"c": 6, "k": 3, "s": 2, "p": 1, "output_padding": 1,
                                  "groups": 2}, (4, 5, 7))
    # H: (5-1)*2 - 2 + 3 + 1 = 10, W: (7-1)*2 - 2 + 3 + 1 = 14
    assert r["shape"] == (6, 10, 14)
    assert r["params"] == 4 * (6 // 2) * 9 + 6  # weight Cin x Cout/g x k x k, bias
    assert r["macs"] == 4 * 5 * 7 * (6 // 2) * 9 == r["counted"] // 2  # batch 2


@pytest.mark.parametrize("args", [
    {"c": 3, "k": 2, "s": 2},
    {"c": 6, "k": 3, "s": 2, "p": 1, "output_padding": 1, "groups": 2},
    {"c": 4, "k": 3, "d": 2, "bias": False},
])
def test_forward_matches_torch(args):
    torch = pytest.importorskip("torch")
    r = run_op("conv_transpose", args, (4, 5, 6))
    a = r["a"]
    ref = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(r["x"]), torch.from_numpy(r["w"]["weight"]),
        torch.from_numpy(r["w"]["bias"]) if a["bias"] else None, stride=a["s"], padding=a["p"],
        output_padding=a["output_padding"], groups=a["groups"], dilation=a["d"])
    np.testing.assert_allclose(r["y"], ref.numpy(), rtol=1e-10, atol=1e-10)
