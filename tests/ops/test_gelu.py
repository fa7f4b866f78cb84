"""gelu's numpy forward: the exact erf form (libm's erf mapped over the values)."""

from __future__ import annotations

import numpy as np
import pytest

from layout_helpers import forward


def test_by_hand():
    # Phi(1) = (1 + erf(1/sqrt 2)) / 2 = 0.841344746068543 (normal table), GELU(x) = x Phi(x)
    x = np.array([[-1.0, 0.0, 1.0, 2.0]])
    y, _ = forward("gelu", {}, (4,), x, {})
    np.testing.assert_allclose(y[0], [-0.158655253931457, 0.0, 0.841344746068543,
                                      2 * 0.977249868051821], rtol=1e-14)


def test_equals_torch_exact_gelu_in_float64():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 7, 5, 4)) * 4
    y, _ = forward("gelu", {}, (7, 5, 4), x, {})
    ref = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    # the same erf to within an ulp: differences are float64 rounding, not approximation
    np.testing.assert_allclose(y, ref, rtol=1e-14, atol=1e-15)


def test_keeps_float32():
    y, _ = forward("gelu", {}, (5,), np.ones((2, 5), np.float32), {})
    assert y.dtype == np.float32
