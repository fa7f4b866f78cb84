"""mish and softplus: no params; forward against torch."""

from __future__ import annotations

import numpy as np
import pytest

from single_op import run_op


@pytest.mark.parametrize("name", ["mish", "softplus"])
def test_forward_matches_torch(name):
    torch = pytest.importorskip("torch")
    r = run_op(name, {}, (3, 4, 4))
    assert r["params"] == 0 and r["shape"] == (3, 4, 4)
    ref = getattr(torch.nn.functional, name)(torch.from_numpy(r["x"]))
    np.testing.assert_allclose(r["y"], ref.numpy(), rtol=1e-10, atol=1e-12)
