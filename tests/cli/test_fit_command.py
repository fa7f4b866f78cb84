"""The fit and gpus commands: JSON schema, formats, verdicts, option checks."""

from __future__ import annotations

import json

import pytest


def test_cli_fit_json_schema(cli):
    code, out, err = cli("fit", "vgg16", "--gpu", "v100-16gb", "--train", "--batch", "32",
                         "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert list(d) == ["model", "gpu", "capacity_bytes", "batch", "mode", "optimizer", "dtype",
                       "breakdown", "total_bytes", "fits", "max_batch"]
    assert list(d["breakdown"]) == ["weights", "buffers", "gradients", "optimizer_state",
                                    "activations", "transient", "workspace", "overhead"]
    assert d["mode"] == "train" and d["batch"] == 32 and d["capacity_bytes"] == 16 * 2**30
    assert sum(d["breakdown"].values()) == d["total_bytes"]
    assert d["fits"] is True and d["max_batch"] >= 32
    code, out, _ = cli("fit", "vgg16", "--memory", "12GiB", "--format", "json")
    d = json.loads(out)
    assert d["mode"] == "inference" and d["optimizer"] is None
    assert d["breakdown"]["gradients"] == d["breakdown"]["optimizer_state"] == 0
    code, out, _ = cli("fit", "vgg16", "--memory", "12GiB", "--train", "--amp", "-f", "json")
    assert json.loads(out)["dtype"] == "amp"


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html"])
def test_cli_fit_formats(cli, fmt):
    code, out, err = cli("fit", "alexnet", "--memory", "12GiB", "-b", "16", "--format", fmt)
    assert code == 0, err
    assert "activations" in out


def test_cli_fit_verdicts(cli):
    from cnncost.spec.zoo import model_names

    model = "resnet50" if "resnet50" in model_names() else "vgg16"
    code, out, _ = cli("fit", model, "--gpu", "v100-16gb", "--train", "--batch", "112")
    assert code == 0 and "FITS" in out and "activations" in out
    code, out, _ = cli("fit", model, "--gpu", "v100-16gb", "--train", "--batch", "256")
    assert code == 0 and "DOES NOT FIT" in out
    best = int(out.split("largest batch that fits: ")[1].split()[0])
    assert 0 < best < 256
    code, _, err = cli("fit", "alexnet", "--gpu", "nope")
    assert code == 2 and "unknown GPU" in err


def test_cli_gpus(cli):
    code, out, _ = cli("gpus", "--format", "json")
    assert code == 0
    assert {g["gpu"] for g in json.loads(out)} >= {"v100-16gb", "h200", "jetson-nano"}
    for fmt in ("table", "markdown", "csv", "html"):
        code, out, _ = cli("gpus", "--format", fmt)
        assert code == 0 and "a100-80gb" in out


@pytest.mark.parametrize("args,message", [
    (["--amp", "--dtype", "fp16"], "--amp"),
    (["--amp", "--dtype", "bf16"], "--amp"),
    (["--amp", "--dtype", "int8"], "--amp"),
    (["--train", "--dtype", "int8"], "inference"),
    (["--dtype", "fp64"], "dtype"),
])
def test_cli_refuses_amp_and_dtype_mixes(cli, args, message):
    code, _, err = cli("fit", "alexnet", "--memory", "4GiB", *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_cli_memory_units(cli):
    for text, expected in (("16GB", 16 * 10**9), ("16 GiB", 16 * 2**30),
                           ("1.5gib", 3 * 2**29), ("512MiB", 2**29), ("800MB", 8 * 10**8)):
        code, out, err = cli("fit", "alexnet", "--memory", text, "--format", "json")
        assert code == 0, err
        assert json.loads(out)["capacity_bytes"] == expected


@pytest.mark.parametrize("text", ["0.5B", "0.1b", "0GiB", "-1GB", "nan", "inf GB", "12G"])
def test_cli_memory_refuses_less_than_a_byte_and_junk(cli, text):
    code, _, err = cli("fit", "alexnet", "--memory", text)
    assert code == 2 and "memory size" in err
