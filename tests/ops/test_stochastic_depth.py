"""stochastic_depth: identity at inference; in training a new output and a one-value-per-sample
mask, which is all its product's backward keeps (checked against autograd's saved tensors)."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.analysis import memory as m
from cnncost.errors import CnnCostError
from cnncost.ops import OPS

from layout_helpers import forward, graph_of, rules

SPEC = "name: t\ninput: [4, 8, 8]\nlayers:\n  - conv: {{c: 4, k: 1, bias: false}}\n" \
       "  - stochastic_depth: {{p: {p}, mode: {mode}}}\n"


def test_identity_at_inference():
    _, out, params, macs, other = rules("stochastic_depth", {"p": 0.2}, [(4, 8, 8)])
    assert (out, params, macs, other) == ((4, 8, 8), {}, 0, 0)
    assert OPS["stochastic_depth"].allocates({"p": 0.2}) is False
    x = np.ones((2, 4, 8, 8))
    assert forward("stochastic_depth", {"p": 0.5}, (4, 8, 8), x, {})[0] is x


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_probability_range(p):
    with pytest.raises(CnnCostError, match=r"in \[0, 1\]"):
        rules("stochastic_depth", {"p": p}, [(4, 8, 8)])


def _saved(p: float, mode: str, n: int) -> tuple[int, int]:
    """(bytes saved for backward without the conv's input, new output bytes) at batch n, fp32."""
    plan = m.plan(graph_of(SPEC.format(p=p, mode=mode)), train=True, device="cpu")
    extra = {k: plan.storages[k] for k in plan.saved_by if k != 0}
    raw = sum(s.per_sample * n + s.fixed for s in extra.values())
    return raw, (plan.storages[2].per_sample * n if plan.out[2] == 2 else 0)


def test_training_by_hand():
    # row: noise N x 1 x 1 x 1 fp32 = 4 bytes a sample; batch: one value; a new 4x8x8 output
    assert _saved(0.2, "row", 3) == (3 * 4, 3 * 4 * 8 * 8 * 4)
    assert _saved(0.2, "batch", 3) == (4, 3 * 4 * 8 * 8 * 4)
    assert _saved(0.0, "row", 3) == (0, 0)  # p = 0 returns its input, as torchvision does


def test_training_equals_autograd_saved_tensors():
    torch = pytest.importorskip("torch")
    ops = pytest.importorskip("torchvision.ops")
    conv = torch.nn.Conv2d(4, 4, 1, bias=False)
    skip = {conv.weight.untyped_storage().data_ptr()}
    seen: dict[int, int] = {}

    def pack(t):
        st = t.untyped_storage()
        if st.data_ptr() not in skip:
            seen.setdefault(st.data_ptr(), st.nbytes())
        return t

    x = torch.randn(3, 4, 8, 8)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        ops.stochastic_depth(conv(x), 0.2, "row", training=True)
    input_bytes = 3 * 4 * 8 * 8 * 4  # the conv keeps its input
    assert sum(seen.values()) - input_bytes == _saved(0.2, "row", 3)[0]
