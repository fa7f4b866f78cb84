"""Memory model and GPU fit: hand-computed byte counts on a tiny spec, the solve, the CLI."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.analysis import memory as m
from cnncost.api import build_graph
from cnncost.errors import CnnCostError

from tiny_spec import TINY

N = 128  # every per-sample size below times 128 is a multiple of 512 (no allocator rounding)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return build_graph(str(path))


def test_inference_peak_by_hand(tiny):
    # per sample fp32: input 3*8*8*4 = 768 B, conv 4*8*8*4 = 1024, bn 1024, relu in place,
    # maxpool 4*4*4*4 = 256, flatten/dropout views, linear 10*4 = 40
    inp, conv, bn, pool, lin = 768 * N, 1024 * N, 1024 * N, 256 * N, 40 * N
    # at bn: the input (held by the caller), conv out (read by bn) and bn out are all live;
    # at the pool, its int64 indices (4*4*4 * 8 B per sample) are live too
    steps = [inp + conv, inp + conv + bn, inp + bn + pool + 512 * N, inp + pool + lin]
    p = m.plan(tiny, train=False)
    assert m.inference_peak(p, N) == max(steps) == 360448


def test_saved_for_backward_by_hand(tiny):
    # conv keeps its input; bn keeps conv's output + save_mean and save_invstd (C fp32 each,
    # 16 B: two allocations, one 512 B block each);
    # relu (in place) keeps bn's output; maxpool keeps that same storage + int64 indices;
    # dropout keeps a bool mask on CUDA; linear keeps dropout's output
    inp, conv, bn = 768 * N, 1024 * N, 1024 * N
    indices = 4 * 4 * 4 * 8 * N
    mask, dropped = 64 * 1 * N, 64 * 4 * N
    expected = inp + conv + 2 * 512 + bn + indices + mask + dropped
    assert m.saved_bytes(m.plan(tiny, train=True), N) == expected
    # on the CPU, dropout keeps a float noise tensor instead of a bool mask
    cpu = m.saved_bytes(m.plan(tiny, train=True, device="cpu"), N)
    assert cpu - expected == 64 * 3 * N


def test_amp_halves_activations_but_not_indices(tiny):
    fp32 = m.saved_bytes(m.plan(tiny, train=True), N)
    amp = m.saved_bytes(m.plan(tiny, train=True, amp=True), N)
    # 16-bit: input cast copy 384, conv 512, bn 512, indices stay 512, mask 64, dropped 128
    assert amp == (384 + 512 + 512 + 512 + 64 + 128) * N + 2 * 512  # BN stats: 2 blocks
    assert amp < fp32


def test_breakdown_weights_grads_optimizer(tiny):
    p = m.plan(tiny, train=True)
    # params: conv 4*3*3*3 = 108 + bias 4, bn 4 + 4, linear 64*10 = 640 + 10; each tensor is
    # its own allocation rounded up to 512 B: 432->512, 16->512, 16->512, 16->512, 2560, 40->512
    weights = 512 * 5 + 2560
    sgd = m.breakdown(p, N, "sgd", context=0)
    adam = m.breakdown(p, N, "adam", context=0)
    assert sgd["weights"] == sgd["gradients"] == weights
    assert sgd["optimizer_state"] == 0
    assert adam["optimizer_state"] == 2 * weights
    assert m.breakdown(p, N, "momentum")["optimizer_state"] == weights
    assert sgd["buffers"] == 2 * 512  # running mean and var, 16 B each
    assert sgd["transient"] >= 0
    # context 0: what is left is the allocator reserve, 5% of the batch-dependent bytes
    dynamic = sgd["activations"] + sgd["transient"] + sgd["workspace"]
    assert abs(sgd["overhead"] - dynamic / 20) <= 512
    with pytest.raises(CnnCostError, match="optimizer"):
        m.breakdown(p, N, "lion")


def test_max_batch_is_exact():
    r = cnncost.fit("alexnet", memory="3GiB", batch=64, train=True, optimizer="momentum")
    p = m.plan(build_graph("alexnet"), True)

    def total(n: int) -> int:
        return sum(m.breakdown(p, n, "momentum").values())

    assert total(r.max_batch) <= 3 * 2**30 < total(r.max_batch + 1)
    assert r.total_bytes == total(64)
    assert r.fits == (total(64) <= 3 * 2**30)


def test_max_batch_solver_on_a_line():
    assert m.max_batch(lambda n: 1000 + 10 * n, 1100) == 10
    assert m.max_batch(lambda n: 1000 + 10 * n, 1009) == 0
    # rounding steps are re-checked, not trusted: 1000 + 512*ceil(10n/512) <= 2024
    # <=> ceil(10n/512) <= 2 <=> 10n <= 1024 <=> n <= 102 (total(1) == total(2): slope 0)
    assert m.max_batch(lambda n: 1000 + 512 * -(-(10 * n) // 512), 2024) == 102
    # memory that does not grow with the batch: bounded by the search limit, no endless loop
    assert m.max_batch(lambda n: 5, 10, limit=1000) == 1000
    # every (fixed, per-sample) pair on a small grid: the answer is exact
    for fixed in (0, 700, 4096):
        for per in (1, 300, 513, 5000):
            def total(n: int, fixed: int = fixed, per: int = per) -> int:
                return fixed + 512 * -(-(per * n) // 512)
            for cap in (600, 10_000, 1_000_000):
                best = m.max_batch(total, cap)
                assert (best == 0 and total(1) > cap) or total(best) <= cap < total(best + 1)


def test_fit_needs_one_capacity():
    with pytest.raises(CnnCostError):
        cnncost.fit("alexnet")
    with pytest.raises(CnnCostError):
        cnncost.fit("alexnet", gpu="t4", memory="1GiB")
    with pytest.raises(CnnCostError, match="numeric"):
        cnncost.fit("alexnet", memory="1GiB", input="3xHxW")
    with pytest.raises(CnnCostError, match="inference"):
        cnncost.fit("alexnet", memory="1GiB", train=True, dtype="int8")
    with pytest.raises(CnnCostError, match="dtype"):
        cnncost.fit("alexnet", memory="1GiB", dtype="fp8")


def test_half_precision_and_the_maxpool_indices():
    # AlexNet at 224, batch 64: the peak is at pool1, where the input, conv1's output
    # (64x55x55), pool1's output (64x27x27) and its int64 indices (8 B each, whatever the
    # dtype) are live together; every term is a multiple of 512 B
    def peak(b: int) -> int:
        n = 64
        return (3 * 224 * 224 + 64 * 55 * 55 + 64 * 27 * 27) * b * n + 64 * 27 * 27 * 8 * n

    for dtype, b in (("fp32", 4), ("fp16", 2), ("int8", 1)):
        r = cnncost.fit("alexnet", memory="12GiB", batch=64, input="3x224x224", dtype=dtype)
        assert r.breakdown["activations"] == peak(b)
    assert peak(4) == 123_928_576


def test_inplace_dropout_keeps_noise_on_every_device(tmp_path):
    # torch.dropout_ is never the fused CUDA kernel: it multiplies its input by a float noise
    # tensor in place, so it keeps that noise (64 * 4 B per sample) and allocates no output;
    # linear then keeps the (pooled, flattened) storage the dropout wrote into
    path = tmp_path / "tiny_inplace.yaml"
    path.write_text(TINY.replace("dropout: {p: 0.5}", "dropout: {p: 0.5, inplace: true}"))
    graph = build_graph(str(path))
    inp, conv, bn, indices = 768 * N, 1024 * N, 1024 * N, 4 * 4 * 4 * 8 * N
    noise, pooled = 64 * 4 * N, 64 * 4 * N
    expected = inp + conv + 2 * 512 + bn + indices + noise + pooled
    for device in ("cuda", "cpu"):
        assert m.saved_bytes(m.plan(graph, train=True, device=device), N) == expected
    assert m.inference_peak(m.plan(graph, train=False), N) == 360448  # inference: unchanged
