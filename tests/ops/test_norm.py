"""Normalisation ops (bn, lrn) and their neighbours by hand arithmetic, and their numpy forward against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.errors import CnnCostError

from op_helpers import close, F, needs_torch, one_layer, run_op, t


def test_bn_linear_flatten_lrn():
    _, bn = one_layer("bn", {}, (64, 8, 8))
    assert bn.params == 2 * 64 and bn.buffers == 2 * 64 and bn.macs == 0
    _, fc = one_layer("linear", {"out": 4096}, (9216,))
    assert fc.params == 9216 * 4096 + 4096 == 37_752_832
    assert fc.macs == 9216 * 4096 == 37_748_736
    with pytest.raises(CnnCostError, match="flat input"):
        one_layer("linear", {"out": 10}, (256, 6, 6))
    _, fl = one_layer("flatten", {}, (256, 6, 6))
    assert fl.shape == (9216,) and not fl.allocates
    _, lrn = one_layer("lrn", {}, (96, 55, 55))
    assert lrn.params == 0 and lrn.shape == (96, 55, 55)


@needs_torch
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_inference_matches_torch(affine):
    y, counted, xs, w, _ = run_op("bn", {"eps": 1e-3, "affine": affine}, [(5, 4, 3)])
    ref = F.batch_norm(t(xs[0]), t(w["running_mean"]), t(w["running_var"]),
                       t(w["weight"]) if affine else None, t(w["bias"]) if affine else None,
                       training=False, eps=1e-3)
    close(y, ref)
    assert set(w) == ({"weight", "bias"} if affine else set()) | {"running_mean", "running_var"}
    assert counted == 0


@needs_torch
@pytest.mark.parametrize("args", [{}, {"size": 4}, {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2},
                                  {"size": 3, "alpha": 0.5, "beta": 0.5, "k": 1}])
def test_lrn_matches_torch(args):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 4, 4)) * 10  # large enough for the norm to matter
    y, _, xs, _, _ = run_op("lrn", args, [(7, 4, 4)], xs=[x])
    ref = F.local_response_norm(t(x), args.get("size", 5), args.get("alpha", 1e-4),
                                args.get("beta", 0.75), args.get("k", 1.0))
    close(y, ref)
