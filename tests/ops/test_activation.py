"""Activation ops: in-place allocation by hand, and their numpy forward against PyTorch's functional ops."""

from __future__ import annotations

import numpy as np
import pytest

from op_helpers import close, F, needs_torch, one_layer, run_op, t, torch


def test_inplace_relu_allocates_nothing():
    _, relu = one_layer("relu", {}, (64, 56, 56))
    assert not relu.allocates
    _, sig = one_layer("sigmoid", {}, (64, 1, 1))
    assert sig.allocates


GRID = np.concatenate([np.linspace(-8, 8, 161), [-3.0, 3.0, 0.0, 6.0, -1e3, 1e3]])

ACTIVATIONS = [
    ("relu", {}, lambda x: F.relu(x)),
    ("relu6", {}, lambda x: F.relu6(x)),
    ("leaky_relu", {}, lambda x: F.leaky_relu(x, 0.01)),
    ("leaky_relu", {"slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("elu", {}, lambda x: F.elu(x)),
    ("elu", {"alpha": 0.5}, lambda x: F.elu(x, 0.5)),
    ("sigmoid", {}, lambda x: torch.sigmoid(x)),
    ("tanh", {}, lambda x: torch.tanh(x)),
    ("silu", {}, lambda x: F.silu(x)),
    ("hardswish", {}, lambda x: F.hardswish(x)),
    ("hardsigmoid", {}, lambda x: F.hardsigmoid(x)),
    ("gelu", {}, lambda x: F.gelu(x)),
]


@needs_torch
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


@needs_torch
@pytest.mark.parametrize("shape", [(10,), (4, 3, 2)])
def test_softmax_matches_torch(shape):
    y, _, xs, _, _ = run_op("softmax", {}, [shape])
    close(y, F.softmax(t(xs[0]), dim=1))


def test_softmax_of_huge_logits_is_finite():
    x = np.array([[1000.0, 0.0, -1000.0]])
    y, *_ = run_op("softmax", {}, [(3,)], xs=[x])
    np.testing.assert_allclose(y, [[1.0, 0.0, 0.0]])
