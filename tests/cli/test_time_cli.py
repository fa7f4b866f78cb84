"""``cnncost time`` and ``plot --roofline`` through the CLI: every format, the verdict line,
training compute, and one-line errors with exit 2."""

from __future__ import annotations

import csv
import io
import json

import pytest


def test_table_has_the_verdict_line(cli):
    code, out, err = cli("time", "resnet50", "--gpu", "a100-80gb", "--train", "--batch", "256",
                         "--dtype", "amp", "--epochs", "90")
    assert code == 0, err
    assert "resnet50 on a100-80gb · train · batch 256 · amp: ~" in out
    assert "img/s predicted (ideal bound " in out and "90 epochs ≈ " in out
    assert "24.3G FLOP per image" in out


def test_json_keys(cli):
    code, out, _ = cli("time", "resnet18", "--gpu", "v100-16gb", "--batch", "64", "--train",
                       "--epochs", "2", "--images", "1000", "-f", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("throughput_img_s", "latency_s", "ideal_throughput_img_s", "total_flops",
                "layers"):
        assert key in data
    assert data["total_flops"] == 2 * 1000 * data["flops_per_image"]
    layer = data["layers"][0]
    assert {"flops", "bytes", "intensity", "bound", "time_s"} <= set(layer)
    assert sum(x["time_s"] for x in data["layers"]) == pytest.approx(data["latency_s"])


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html"])
def test_every_format(cli, fmt):
    code, out, _ = cli("time", "mobilenet_v2", "--gpu", "t4", "--batch", "32", "-f", fmt)
    assert code == 0 and out.strip()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert rows[0]["name"] == "features.0.0" and float(rows[0]["time_s"]) > 0
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "img/s predicted" in out


def test_compute_only_without_gpu(cli):
    code, out, _ = cli("time", "resnet50", "--train", "--epochs", "90", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["flops_per_image"] == 24_299_077_632
    assert data["total_flops"] == 24_299_077_632 * 1_281_167 * 90


@pytest.mark.parametrize("args,needle", [
    (("resnet50",), "--gpu"),
    (("resnet50", "--gpu", "nope"), "unknown GPU"),
    (("resnet50", "--gpu", "v100-16gb", "--dtype", "tf32"), "TF32"),
    (("resnet50", "--gpu", "v100-16gb", "--batch", "x"), "--batch"),
    (("resnet50", "--gpu", "v100-16gb", "--batch", "0"), "--batch"),
    (("resnet50", "--gpu", "v100-16gb", "--epochs", "3"), "--train"),
    (("resnet50", "--train", "--epochs", "-1"), "--epochs"),
    (("resnet50", "--gpu", "v100-16gb", "--input", "3xHxW"), "numeric"),
    (("resnet50", "--gpu", "v100-16gb", "-f", "yaml"), "--format"),
    (("resnet50", "--gpu", "v100-16gb", "--top", "0"), "--top"),
])
def test_bad_inputs_exit_2_with_one_line(cli, args, needle):
    code, out, err = cli("time", *args)
    assert code == 2
    assert err.startswith("cnncost: error:") and needle in err and err.count("\n") == 1


def test_roofline_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "roof.png"
    code, out, err = cli("plot", "--roofline", "resnet18", "--gpu", "a100-80gb", "--dtype",
                         "amp", "--batch", "64", "-o", str(path))
    assert code == 0, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = cli("plot", "--roofline", "resnet18", "-o", str(path))
    assert code == 2 and "--gpu" in err
