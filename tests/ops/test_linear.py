"""The linear op's numpy forward against PyTorch."""

from __future__ import annotations

import pytest

from op_helpers import close, F, needs_torch, run_op, t


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    y, counted, xs, w, macs = run_op("linear", {"out": 7, "bias": bias}, [(11,)], n=3)
    ref = F.linear(t(xs[0]), t(w["weight"]), t(w["bias"]) if bias else None)
    close(y, ref)
    assert counted == 3 * 11 * 7  # batch x in x out, by hand
    assert counted == 3 * macs
