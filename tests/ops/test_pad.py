"""pad: shapes by hand; forward against torch.nn.functional.pad."""

from __future__ import annotations

import numpy as np
import pytest

from single_op import run_op


def test_shape_by_hand():
    assert run_op("pad", {"p": [1, 2, 3, 4]}, (2, 5, 6))["shape"] == (2, 8, 13)
    assert run_op("pad", {"p": 1}, (2, 5, 6))["shape"] == (2, 7, 8)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_forward_matches_torch(mode):
    torch = pytest.importorskip("torch")
    r = run_op("pad", {"p": [1, 2, 3, 0], "mode": mode}, (2, 5, 6))
    # torch's order: (left, right, top, bottom)
    ref = torch.nn.functional.pad(torch.from_numpy(r["x"]), (3, 0, 1, 2), mode=mode)
    np.testing.assert_array_equal(r["y"], ref.numpy())
