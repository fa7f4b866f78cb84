"""hardsigmoid: PyTorch's alpha 1/6 by default, ONNX's 0.2/0.5 when given."""

from __future__ import annotations

import numpy as np
import pytest

from single_op import run_op


def test_onnx_alpha_beta_by_hand():
    r = run_op("hardsigmoid", {"alpha": 0.2, "beta": 0.5}, (1, 1, 4))
    x = r["x"]
    np.testing.assert_allclose(r["y"], np.clip(0.2 * x + 0.5, 0, 1))


def test_default_matches_torch():
    torch = pytest.importorskip("torch")
    r = run_op("hardsigmoid", {}, (2, 3, 3))
    ref = torch.nn.functional.hardsigmoid(torch.from_numpy(r["x"]))
    np.testing.assert_allclose(r["y"], ref.numpy(), rtol=1e-12)
