"""The memory fit: the max-batch solve at its boundaries, AMP weight copies. Expected values are
hand arithmetic written out in the tests.
"""

from __future__ import annotations

import pytest
from tiny_spec import TINY

import cnncost
from cnncost.analysis import memory as m
from cnncost.errors import CnnCostError


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


# ---- the batch solve: exact at the boundary --------------------------------------------------


@pytest.mark.parametrize("kw", [
    dict(train=False),
    dict(train=False, dtype="int8"),
    dict(train=False, amp=True),
    dict(train=True, optimizer="sgd"),
    dict(train=True, optimizer="adam", dtype="bf16"),
    dict(train=True, amp=True),
])
def test_max_batch_fits_and_the_next_batch_does_not(kw):
    """Whatever the mode, the reported max batch fits and max batch + 1 does not."""
    memory = "3GiB"
    r = cnncost.fit("alexnet", memory=memory, input="3x224x224", **kw)
    assert r.max_batch >= 1
    at = cnncost.fit("alexnet", memory=memory, input="3x224x224", batch=r.max_batch, **kw)
    above = cnncost.fit("alexnet", memory=memory, input="3x224x224", batch=r.max_batch + 1, **kw)
    assert at.fits and not above.fits
    assert at.total_bytes <= 3 * 2**30 < above.total_bytes


def test_max_batch_on_a_staircase():
    # 100 + 512*ceil(300n/512): n=1..8 -> 300n <= 2560 <=> n <= 8 gives 100 + 2560 = 2660,
    # n=9 -> 2700 -> 3072 + 100 = 3172; so capacity 2660 -> 8 and 3171 -> 8, 3172 -> 10
    # (n=10: 3000 -> 3072 + 100 = 3172; n=11: 3300 -> 3584 + 100 = 3684)
    def total(n: int) -> int:
        return 100 + 512 * -(-(300 * n) // 512)

    assert m.max_batch(total, 2660) == 8
    assert m.max_batch(total, 3171) == 8
    assert m.max_batch(total, 3172) == 10
    assert m.max_batch(total, 611) == 0  # total(1) = 612


# ---- --amp and --dtype ------------------------------------------------------------------------


def test_amp_weights_are_fp32_masters_plus_16_bit_copies(tiny):
    # params (see tests/test_memory.py): conv 108 + 4, bn 4 + 4, linear 640 + 10
    # fp32 masters, each tensor rounded to 512 B: 432->512, 16->512, 16, 16 -> 512 each,
    # 2560, 40->512  = 5*512 + 2560 = 5120
    # autocast's 16-bit copies of conv/linear tensors only: 216->512, 8->512, 1280->1536, 20->512
    r = cnncost.fit(tiny, memory="1GiB", amp=True, train=True, optimizer="adam")
    assert r.breakdown["weights"] == 5120 + 512 + 512 + 1536 + 512
    assert r.breakdown["gradients"] == 5120          # fp32 gradients of the masters
    assert r.breakdown["optimizer_state"] == 2 * 5120
    assert r.breakdown["buffers"] == 2 * 512         # fp32 running stats, 16 B each
    assert r.to_dict()["dtype"] == "amp"
    half = cnncost.fit(tiny, memory="1GiB", dtype="fp16", train=True, optimizer="adam")
    # pure fp16: 216, 8, 8, 8, 1280, 20 -> 512*5 + 1536
    assert half.breakdown["weights"] == half.breakdown["gradients"] == 512 * 5 + 1536
    assert half.to_dict()["dtype"] == "fp16"


# ---- --memory: GiB vs GB ---------------------------------------------------------------------


def test_api_memory_in_bytes_must_be_positive():
    assert m.parse_size(4096) == 4096
    for bad in (0, -4096):
        with pytest.raises(CnnCostError, match="memory size"):
            m.parse_size(bad)
