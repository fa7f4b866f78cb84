"""torchvision models through both importers, against forward hooks on the real model.

ONNX exports (TorchScript exporter, static and with dynamic N/H/W) must give the hooks' MACs
exactly, and params = torch's minus one per BatchNorm channel (eval export folds BN into the
preceding bias-free conv: 2C BN params go, C conv biases come). ``from_torch`` must give torch's
params exactly, the hooks' MACs and every leaf module's output shape, by module path.

The default run covers a representative subset at odd sizes; CNNCOST_IMPORT_SWEEP=1 runs all 68
torchvision CNN classifiers: ``from_torch`` at 224 and at an odd size, the exports (static and
dynamic) at the odd size (an hour on two shared cores).
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
# every torchvision CNN classifier (68 builders; the transformers are not CNNs)
ALL = [m for m in tv.models.list_models(module=tv.models)
       if not m.startswith(("vit_", "swin_", "maxvit"))]
# one ONNX protobuf message holds at most 2 GiB: regnet_y_128gf's 644.8M float32 weights do not fit
NO_ONNX = {"regnet_y_128gf"}
FIXED_POOL = {"ale": [(3, 227, 231)], "vgg": [(3, 231, 255)]}  # AdaptiveAvgPool2d(6 / 7), below


def build(name: str) -> object:
    kw = {"aux_logits": False, "init_weights": False} if name in ("googlenet",
                                                                  "inception_v3") else {}
    return getattr(tv.models, name)(**kw).eval()


def sizes(name: str) -> list:
    odd = (3, 299, 311) if name == "inception_v3" else ODD
    return [(3, 224, 224), odd] if SWEEP else [odd]


def check_leaf_shapes(r, oracle) -> None:
    """Every leaf module's output shape, by module path. A spec name is letters, digits and
    underscores, so RegNet's ``block1-0`` is row ``block1_0``; reused modules get _1, _2."""
    by_name = {row.name: tuple(row.output) for row in r.rows}  # channels-last rows: Permuted
    want = {p.replace("-", "_"): s for p, s in oracle["shapes"].items()}
    leaf = {p: s for p, s in want.items() if p in by_name}
    assert len(leaf) >= 0.6 * len(want)
    assert {p: by_name[p] for p in leaf} == leaf


@pytest.mark.parametrize("name", [m for m in ALL if m not in NO_ONNX] if SWEEP else ONNX_DEFAULT)
def test_onnx_export_matches_hooks(name, tmp_path):
    model = build(name)
    # the odd size (the sweep's from_torch test also does 224); AlexNet's AdaptiveAvgPool2d(6)
    # and VGG's (7) export only when their input is a multiple of 6 / 7 ("output size that are
    # not factor of input size"): 227×231 gives 6×6, 231×255 gives 7×7 there
    for size in FIXED_POOL.get(name[:3], sizes(name)[-1:]):
        oracle = hook_counts(model, size)
        want_params = oracle["params"] - oracle["bn_channels"]
        static = export_onnx(model, tmp_path / f"{name}.onnx", size, dynamic=False)
        r = cnncost.analyze(from_onnx(static))
        assert (r.totals.params, r.totals.macs) == (want_params, oracle["macs"])
        if oracle["bn_channels"]:
            assert "BatchNorm folded" in r.import_notes
        flat = cnncost.analyze(spec_from_ir(onnx_to_ir(static), static, compact=False))
        assert [x.as_dict() for x in flat.rows] == [x.as_dict() for x in r.rows]  # compaction
        if name[:3] in FIXED_POOL:  # the exporter: "adaptive_avg_pool2d, input size not accessible"
            continue
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
        check_leaf_shapes(r, oracle)


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


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_fx_fallback_matches_hooks(name, monkeypatch):
    """With torch.export made to fail, the torch.fx path gives the same counts and names."""
    from cnncost.importers import torch_graph

    def refuse(*args, **kwargs):
        raise RuntimeError("export refused for this test")

    monkeypatch.setattr(torch_graph, "_export", refuse)
    model = build(name)
    oracle = hook_counts(model, ODD)
    r = cnncost.analyze(from_torch(model, ODD))
    assert (r.totals.params, r.totals.macs) == (oracle["params"], oracle["macs"])
    check_leaf_shapes(r, oracle)
