"""``cnncost verify``: the numpy reference pass checks shapes, params and MACs of every layer.

Oracles: hand arithmetic written out below, PyTorch's functional results (tests/test_ops_forward.py)
and torchvision's models for the agreement test. A deliberately wrong analytic rule must fail.
"""

from __future__ import annotations

from functools import lru_cache
import json

import numpy as np
import pytest

from cnncost import model_names
from cnncost.api import build_graph
from cnncost.errors import CnnCostError
from cnncost.ops.conv import Conv
from cnncost.ops.pool import MaxPool
from cnncost.verify.reference import random_weights, verify

SIZES = (32, 48, 64, 96, 128, 160, 224, 227, 299)


@lru_cache(maxsize=None)
def small_input(model: str) -> str:
    """The smallest square input from SIZES that the network accepts."""
    channels = build_graph(model).input_shape[0]
    for s in SIZES:
        try:
            build_graph(model, input=f"{channels}x{s}x{s}")
        except CnnCostError:
            continue
        return f"{channels}x{s}x{s}"
    raise AssertionError(f"{model}: no input size in {SIZES} builds")


@pytest.mark.parametrize("model", model_names())
def test_every_bundled_spec_verifies(model):
    graph = build_graph(model, input=small_input(model))
    v = verify(graph, batch=1, seed=0)
    assert v.error is None, v.error
    assert [c.name for c in v.mismatches] == []
    assert v.ok and v.output is not None
    assert v.output.shape == (1, *graph.nodes[graph.output].shape)
    assert np.isfinite(v.output).all()


def test_alexnet_counts_by_hand(cli):
    code, out, _ = cli("verify", "alexnet", "--format", "json")
    assert code == 0
    d = json.loads(out)
    conv1 = d["layers"][0]
    assert conv1["name"] == "features.0"
    # EECS 498 lecture table, 3x227x227: conv1 64x56x56, (11*11*3 + 1)*64 params,
    # 64*56*56 outputs x 3*11*11 MACs each
    assert conv1["actual_output"] == [1, 64, 56, 56]
    assert conv1["actual_params"] == (11 * 11 * 3 + 1) * 64 == 23_296
    assert conv1["counted_macs"] == 64 * 56 * 56 * 3 * 11 * 11 == 72_855_552
    fc6 = next(layer for layer in d["layers"] if layer["name"] == "classifier.1")
    assert fc6["counted_macs"] == 256 * 6 * 6 * 4096
    assert fc6["actual_params"] == 256 * 6 * 6 * 4096 + 4096
    # torchvision's num_params for alexnet: 61,100,840
    assert sum(layer["actual_params"] for layer in d["layers"]) == 61_100_840


def test_json_schema_is_exact(cli):
    code, out, _ = cli("verify", "vgg11", "--input", "3x32x32", "--batch", "2", "-f", "json")
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"model", "input", "ok", "layers"}
    assert d["model"] == "vgg11" and d["input"] == [3, 32, 32] and d["ok"] is True
    keys = {"name", "type", "expected_output", "actual_output", "expected_params",
            "actual_params", "expected_macs", "counted_macs", "ok"}
    assert all(set(layer) == keys for layer in d["layers"])
    first = d["layers"][0]
    # batch 2: 2 x 64x32x32 outputs x 3*3*3 MACs each
    assert first["actual_output"] == [2, 64, 32, 32]
    assert first["counted_macs"] == 2 * 64 * 32 * 32 * 27


def test_table_and_verdict(cli):
    code, out, _ = cli("verify", "resnet50", "--input", "3x96x96")
    assert code == 0
    assert "layer1.0.conv1" in out and "layer1.0.downsample.0" in out
    assert "✗" not in out
    assert out.strip().splitlines()[-1].startswith("OK: all ")


def test_wrong_mac_rule_is_caught(cli, monkeypatch):
    right = Conv.macs
    monkeypatch.setattr(Conv, "macs", lambda self, a, ins, out: right(self, a, ins, out) + 1)
    code, out, _ = cli("verify", "alexnet", "--input", "3x63x63")
    assert code == 1
    assert "FAILED" in out and "✗" in out
    code, out, _ = cli("verify", "alexnet", "--input", "3x63x63", "-f", "json")
    assert code == 1
    d = json.loads(out)
    bad = [layer["name"] for layer in d["layers"] if not layer["ok"]]
    assert d["ok"] is False and bad == [f"features.{i}" for i in (0, 3, 6, 8, 10)]
    conv1 = d["layers"][0]
    assert conv1["expected_macs"] == conv1["counted_macs"] + 1


def test_wrong_shape_rule_is_caught(cli, monkeypatch):
    right = MaxPool.shape

    def off(self, a, ins):  # ignore ceil mode: the analysis claims floor sizes
        return right(self, {**a, "ceil": False}, ins)

    monkeypatch.setattr(MaxPool, "shape", off)
    code, out, _ = cli("verify", "googlenet", "--input", "3x64x64", "-f", "json")
    assert code == 1
    d = json.loads(out)
    first_bad = next(layer for layer in d["layers"] if not layer["ok"])
    assert first_bad["type"] == "maxpool"
    assert first_bad["expected_output"] != first_bad["actual_output"]


GROUPED = """
name: grouped
input: [4, 8, 8]
layers:
  - {conv: {c: 6, k: 3, p: 1, groups: 2, bias: false}, name: conv}
  - bn
  - relu
  - gap
  - flatten
  - {linear: {out: 3}, name: fc}
"""


def test_wrong_param_rule_is_caught_on_a_spec_file(cli, monkeypatch, tmp_path):
    path = tmp_path / "grouped.yaml"
    path.write_text(GROUPED)
    code, out, _ = cli("verify", str(path))
    assert code == 0, out
    right = Conv.param_shapes

    def no_groups(self, a, ins, out):  # forgets to divide Cin by groups
        shapes = dict(right(self, a, ins, out))
        c, _, kh, kw = shapes["weight"]
        shapes["weight"] = (c, ins[0][0], kh, kw)
        return shapes

    monkeypatch.setattr(Conv, "param_shapes", no_groups)
    code, out, _ = cli("verify", str(path), "-f", "json")
    assert code == 1
    d = json.loads(out)
    assert d["ok"] is False and "conv" in d["error"]
    assert d["layers"][0]["actual_output"] is None


def test_a_weight_the_kernel_never_reads_is_caught(monkeypatch, tmp_path):
    path = tmp_path / "grouped.yaml"
    path.write_text(GROUPED)
    right = Conv.param_shapes
    monkeypatch.setattr(Conv, "param_shapes",
                        lambda self, a, ins, out: {**right(self, a, ins, out), "bias": (6,)})
    v = verify(build_graph(str(path)))
    assert not v.ok
    conv = v.layers[0]
    assert conv.expected_params == 6 * 2 * 9 + 6 and conv.actual_params == 6 * 2 * 9


@pytest.mark.parametrize("args,message", [
    (["alexnet", "--input", "3x10"], "--input"),
    (["alexnet", "--input", "3xHxW"], "symbolic"),
    (["alexnet", "--batch", "0"], "--batch"),
    (["alexnet", "--format", "xml"], "--format"),
    (["alexnett"], "alexnet"),
])
def test_bad_input_exits_2(cli, args, message):
    code, _, err = cli("verify", *args)
    assert code == 2
    assert message in err


def test_train_only_layers_run_only_when_asked():
    graph = build_graph("googlenet")  # its two auxiliary heads are training-only
    assert any(n.train_only for n in graph.nodes)
    plain, train = verify(graph), verify(graph, train=True)
    aux = {n.name for n in graph.nodes if n.train_only}
    assert plain.ok and train.ok
    assert aux.isdisjoint(c.name for c in plain.layers)
    assert aux <= {c.name for c in train.layers}


def test_weights_follow_the_analytic_shapes_and_the_seed():
    graph = build_graph("alexnet", input="3x63x63")
    w0, w1 = random_weights(graph, seed=0), random_weights(graph, seed=1)
    conv1 = graph.nodes[1]
    assert w0[1]["weight"].shape == (64, 3, 11, 11) and w0[1]["bias"].shape == (64,)
    assert conv1.name == "features.0"
    assert not np.array_equal(w0[1]["weight"], w1[1]["weight"])
    np.testing.assert_array_equal(w0[1]["weight"], random_weights(graph, seed=0)[1]["weight"])


# ---- agreement with torchvision ----------------------------------------------------------------

TORCHVISION_NAMES = [
    "alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "vgg16_bn", "googlenet", "resnet18", "resnet34",
    "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
    "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2", "densenet121", "densenet161",
    "densenet169", "densenet201", "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "squeezenet1_0", "squeezenet1_1", "mnasnet1_0",
    "efficientnet_b0",
    # one or two per family of the specs added later (the others are checked the same way by
    # hand, `cnncost verify NAME --torch`; the deepest random EfficientNets are chaotic, see
    # docs/verify.md): BN-VGG, the scaled MNASNet stem, wide ShuffleNetV2, depth-scaled
    # EfficientNet, Fused-MBConv
    "vgg11_bn", "mnasnet0_75", "shufflenet_v2_x1_5", "efficientnet_b1", "efficientnet_v2_s",
]


@pytest.mark.parametrize("model", TORCHVISION_NAMES)
def test_torchvision_agreement(model, torchvision_models):
    from cnncost.verify.reference_torch import verify_torch

    v = verify_torch(build_graph(model, input=small_input(model)), batch=2)
    info = v.extra["torch"]
    assert info["shape_mismatches"] == []
    assert v.error is None and [c.name for c in v.mismatches] == []
    assert info["logits_ok"], info
    # the logits carry signal far above the tolerance, so agreement is not vacuous
    assert info["logit_std"] > 100 * info["atol"]
    assert v.ok


def test_torch_flag_on_the_cli(cli, torchvision_models):
    code, out, _ = cli("verify", "alexnet", "--input", "3x63x63", "--torch")
    assert code == 0, out
    assert "logits allclose" in out and "torch agrees" in out


def test_torch_flag_catches_a_wrong_spec(torchvision_models):
    from cnncost.verify.reference_torch import verify_torch

    graph = build_graph("alexnet", input="3x63x63")
    # a spec whose first conv lost its bias no longer matches torchvision's alexnet
    graph.nodes[1].param_shapes = {"weight": graph.nodes[1].param_shapes["weight"]}
    graph.nodes[1].args = {**graph.nodes[1].args, "bias": False}
    v = verify_torch(graph)
    assert not v.ok
    assert v.extra["torch"]["shape_mismatches"] == [
        "features.0.bias: in torch (64,), not in the spec"]


def test_torch_logits_catch_wrong_wiring(torchvision_models):
    from cnncost.verify.reference_torch import verify_torch

    graph = build_graph("resnet18", input="3x64x64")
    # same tensors, different wiring: the first block's residual add loses its shortcut
    add = next(n for n in graph.nodes if n.name == "layer1.0.add")
    add.inputs = (add.inputs[0], add.inputs[0])
    v = verify_torch(graph)
    info = v.extra["torch"]
    assert info["shape_mismatches"] == [] and not info["logits_ok"] and not v.ok
