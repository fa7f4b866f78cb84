"""torchvision models through both importers, against forward hooks on the real model.

ONNX exports (TorchScript exporter, static and with dynamic N/H/W) must give the hooks' MACs
exactly, and params = torch's minus one per BatchNorm channel (eval export folds BN into the
preceding bias-free conv: 2C BN params go, C conv biases come). ``from_torch`` must give torch's
params exactly, the hooks' MACs and every leaf module's output shape, by module path.

The default run covers a representative subset at odd sizes; CNNCOST_IMPORT_SWEEP=1 runs every
torchvision classifier at 224 and at an odd size (minutes).
"""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision")
pytest.importorskip("onnx")

import cnncost  # noqa: E402
from cnncost.importers import from_onnx, from_torch, spec_from_ir  # noqa: E402
from cnncost.importers.onnx_graph import onnx_to_ir  # noqa: E402
from torch_hooks import export_onnx, hook_counts  # noqa: E402

SWEEP = os.environ.get("CNNCOST_IMPORT_SWEEP") == "1"
ODD = (3, 97, 131)
ONNX_DEFAULT = ["resnet50", "mobilenet_v2", "googlenet", "convnext_tiny"]
TORCH_DEFAULT = ["resnet18", "mobilenet_v3_small", "googlenet", "convnext_tiny"]
ALL = ["alexnet", "vgg11", "vgg16_bn", "resnet18", "resnet50", "resnext50_32x4d",
       "wide_resnet50_2", "squeezenet1_0", "squeezenet1_1", "densenet121", "googlenet",
       "inception_v3", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet1_0",
       "shufflenet_v2_x1_0", "efficientnet_b0", "efficientnet_v2_s", "regnet_x_400mf",
       "regnet_y_400mf", "convnext_tiny"]


def build(name: str) -> object:
    kw = {"aux_logits": False, "init_weights": False} if name in ("googlenet",
                                                                  "inception_v3") else {}
    return getattr(tv.models, name)(**kw).eval()


def sizes(name: str) -> list:
    odd = (3, 299, 311) if name == "inception_v3" else ODD
    return [(3, 224, 224), odd] if SWEEP else [odd]


@pytest.mark.parametrize("name", ALL if SWEEP else ONNX_DEFAULT)
def test_onnx_export_matches_hooks(name, tmp_path):
    model = build(name)
    for size in sizes(name):
        oracle = hook_counts(model, size)
        want_params = oracle["params"] - oracle["bn_channels"]
        static = export_onnx(model, tmp_path / f"{name}.onnx", size, dynamic=False)
        r = cnncost.analyze(from_onnx(static))
        assert (r.totals.params, r.totals.macs) == (want_params, oracle["macs"])
        if oracle["bn_channels"]:
            assert "BatchNorm folded" in r.import_notes
        flat = cnncost.analyze(spec_from_ir(onnx_to_ir(static), static, compact=False))
        assert [x.as_dict() for x in flat.rows] == [x.as_dict() for x in r.rows]  # compaction
        dyn = export_onnx(model, tmp_path / f"{name}_dyn.onnx", size, dynamic=True)
        spec = from_onnx(dyn)
        assert spec.input[1:] == ["H", "W"]
        bound = cnncost.analyze(spec, input="x".join(map(str, size)))
        assert (bound.totals.params, bound.totals.macs) == (want_params, oracle["macs"])


@pytest.mark.parametrize("name", ALL if SWEEP else TORCH_DEFAULT)
def test_from_torch_matches_hooks(name):
    model = build(name)
    for size in sizes(name):
        oracle = hook_counts(model, size)
        r = cnncost.analyze(from_torch(model, size))
        assert (r.totals.params, r.totals.macs) == (oracle["params"], oracle["macs"])
        by_name = {row.name: row.output for row in r.rows}
        leaf = {p: s for p, s in oracle["shapes"].items() if p in by_name}
        assert len(leaf) >= 0.6 * len(oracle["shapes"])  # reused modules get _1, _2 suffixes
        assert {p: tuple(by_name[p]) for p in leaf} == leaf  # channels-last rows: Permuted


def test_resnet50_spec_is_compact_and_loads_back(tmp_path):
    model = build("resnet50")
    spec = from_torch(model, (3, 224, 224), source="torchvision.models:resnet50")
    text = spec.to_yaml()
    assert len(text.splitlines()) <= 300
    path = tmp_path / "r50.yaml"
    path.write_text(text)
    again = cnncost.analyze(str(path))
    assert (again.totals.params, again.totals.macs) == (25_557_032, 4_089_184_256)
    assert "bottleneck" in text and "repeat" in text


def test_from_torch_dynamic_is_symbolic():
    spec = from_torch(build("resnet18"), (3, 64, 64), dynamic=True)
    r = cnncost.analyze(spec)
    assert r.symbolic and spec.input[1:] == ["H", "W"]
    oracle = hook_counts(build("resnet18"), ODD)
    bound = cnncost.analyze(spec, input="x".join(map(str, ODD)))
    assert bound.totals.macs == oracle["macs"]
