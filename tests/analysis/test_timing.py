"""The roofline and time model: bytes and FLOPs by hand, the ideal bound, monotonic sanity, the
calibration's error on held-out measurements, and training compute."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncost.analysis import calibration, timing
from cnncost.analysis.training import IMAGENET_TRAIN, PFS_DAY, training_compute
from cnncost.api import analyze, predict_time
from cnncost.errors import CnnCostError
from cnncost.gpus import find_gpu

SPEC = """\
cnncost: 1
name: tiny_time
input: [8, 16, 16]
layers:
  - {conv: {c: 16, k: 1, bias: false}, name: conv1}
  - {relu: {}, name: relu1}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return str(path)


def test_forward_flops_and_bytes_by_hand(tiny):
    r = predict_time(tiny, "v100-16gb", batch=4, dtype="fp32")
    conv, relu = r.layers
    macs = 4 * 16 * 16 * 16 * 8  # batch x Cout x H x W x Cin
    assert conv.flops == 2 * macs
    # read the input, write the output (fp32), read the 16x8 weight
    assert conv.bytes == 4 * (4 * 8 * 16 * 16 + 4 * 16 * 16 * 16) + 4 * 16 * 8
    assert relu.flops == 4 * 16 * 16 * 16
    assert relu.bytes == 4 * 2 * 4 * 16 * 16 * 16  # read + write, even in place
    assert relu.intensity == pytest.approx(1 / 8)


def test_ideal_is_the_roofline(tiny):
    gpu = find_gpu("v100-16gb")
    r = predict_time(tiny, "v100-16gb", batch=4, dtype="fp16")
    relu = r.layers[1]
    assert relu.bound == "memory"
    assert relu.ideal_s == pytest.approx(relu.bytes / (gpu["bandwidth"] * 1e9))
    assert r.peak_flops == gpu["fp16"] * 1e12


def test_training_adds_backward_and_the_optimizer(tiny):
    infer = predict_time(tiny, "v100-16gb", batch=4)
    train = predict_time(tiny, "v100-16gb", batch=4, train=True, optimizer="momentum")
    assert [x.name for x in train.layers] == ["conv1", "relu1", "optimizer"]
    conv = train.layers[0]
    # backward of the first conv: weight gradient only (= the forward MACs), no input gradient
    assert conv.flops == 2 * infer.layers[0].flops
    opt = train.layers[-1]
    assert opt.bytes == 16 * 8 * 4 * 5  # read w, g, m; write w, m (fp32)
    assert train.latency_s > infer.latency_s


def test_winograd_credit_in_the_ideal(tmp_path: Path):
    """cuDNN may run 3x3 stride-1 convs with Winograd transforms (up to 4x fewer multiplies with
    F(4x4, 3x3)), so the ideal divides their FLOPs by 4; a strided 3x3 gets no credit."""
    path = tmp_path / "w.yaml"
    path.write_text("cnncost: 1\nname: w\ninput: [256, 56, 56]\nlayers:\n"
                    "  - {conv: {c: 256, k: 3, p: 1, bias: false}, name: s1}\n"
                    "  - {conv: {c: 256, k: 3, p: 1, s: 2, bias: false}, name: s2}\n")
    r = predict_time(str(path), "v100-16gb", batch=64, dtype="fp32")
    s1, s2 = r.layers
    peak = 15.7e12
    assert s1.flops == 2 * 64 * 256 * 56 * 56 * 256 * 9
    assert s1.ideal_s == pytest.approx(s1.flops / 4 / peak)
    assert s2.ideal_s == pytest.approx(s2.flops / peak)


def test_bigger_batch_is_not_slower_per_image():
    small = predict_time("resnet50", "a100-80gb", batch=8, dtype="amp")
    big = predict_time("resnet50", "a100-80gb", batch=256, dtype="amp")
    assert big.throughput_img_s > small.throughput_img_s
    assert big.throughput_img_s < big.ideal_throughput_img_s


def test_bad_inputs():
    with pytest.raises(CnnCostError, match="TF32"):
        predict_time("resnet18", "v100-16gb", dtype="tf32")
    with pytest.raises(CnnCostError, match="dtype"):
        predict_time("resnet18", "v100-16gb", dtype="int4")
    with pytest.raises(CnnCostError, match="optimizer"):
        predict_time("resnet18", "v100-16gb", train=True, optimizer="lion")
    with pytest.raises(CnnCostError, match="unknown GPU"):
        predict_time("resnet18", "v100")
    with pytest.raises(CnnCostError, match="numeric"):
        predict_time("resnet18", "v100-16gb", input="3xHxW")
    with pytest.raises(CnnCostError, match="--train"):
        predict_time("resnet18", "v100-16gb", epochs=90)


def test_training_compute_schedule():
    t = training_compute(analyze("resnet50"), epochs=90)
    assert t.flops_per_image == 24_299_077_632  # FlopCounterMode, GUIDE §6
    assert t.flops_per_epoch == 24_299_077_632 * 1_281_167
    assert t.total_flops == 90 * 24_299_077_632 * 1_281_167
    assert t.pfs_days == pytest.approx(t.total_flops / 8.64e19)
    assert IMAGENET_TRAIN == 1_281_167 and PFS_DAY == 1e15 * 86400
    assert training_compute(analyze("resnet50", batch=8), epochs=1).flops_per_image == \
        24_299_077_632
    with pytest.raises(CnnCostError):
        training_compute(analyze("resnet50"), epochs=0)
    with pytest.raises(CnnCostError):
        training_compute(analyze("resnet50"), images=0)


def test_calibration_meets_the_target_on_held_out_large_batches():
    """docs/time.md: whole-network throughput at large batch (>= 64), held out of the fit:
    median error within 25%, nothing off by 2x."""
    cs = [c for c in calibration.compare() if not c.fit and c.entry["batch"] >= 64]
    assert len(cs) >= 20
    s = calibration.summary(cs)["held_out"]
    assert s["median_abs_error"] <= 0.25
    assert s["worst_ratio"] < 2.0
    # the ideal is an upper bound: above every published measurement and every prediction
    assert all(c.measured < c.ideal and c.predicted < c.ideal for c in calibration.compare())


def test_every_measurement_names_a_bundled_model_and_a_catalog_gpu():
    from cnncost.gpus import gpus
    from cnncost.spec.zoo import model_names

    sources, entries = calibration.measurements()
    for e in entries:
        assert e["model"] in model_names() and e["gpu"] in gpus() and e["source"] in sources
        assert e["dtype"] in timing.PRECISIONS and e["mode"] in ("infer", "train")
