"""upsample: shapes by hand; forward against torch's interpolate."""

from __future__ import annotations

import numpy as np
import pytest

from single_op import run_op


def test_shape_by_hand():
    assert run_op("upsample", {"scale": 2}, (3, 4, 5))["shape"] == (3, 8, 10)
    assert run_op("upsample", {"scale": [3, 1]}, (3, 4, 5))["shape"] == (3, 12, 5)


@pytest.mark.parametrize("mode,align", [("nearest", False), ("bilinear", False),
                                        ("bilinear", True)])
def test_forward_matches_torch(mode, align):
    torch = pytest.importorskip("torch")
    r = run_op("upsample", {"scale": 2, "mode": mode, "align_corners": align}, (2, 4, 5))
    kw = {"align_corners": align} if mode == "bilinear" else {}
    ref = torch.nn.functional.interpolate(torch.from_numpy(r["x"]), scale_factor=2, mode=mode,
                                          **kw)
    np.testing.assert_allclose(r["y"], ref.numpy(), rtol=1e-10, atol=1e-10)
