"""`cnncost plot --frontier` / `--evolution` and the data behind them.

Expected values: torchvision 0.29.1's weight metadata (num_params, _ops, acc@1) and the papers'
printed figures; depths are the networks' names (AlexNet 8, GoogLeNet 22, ResNet-152 ...).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import pytest

from cnncost.verify.frontier import evolution_points, frontier_points, weight_depth
from cnncost.spec.zoo import model_names


@pytest.fixture(scope="module")
def frontier():
    return frontier_points()


def test_frontier_point_is_the_weights_crop_cost_and_recorded_accuracy(frontier):
    points, skipped = frontier
    by_weights = {p.weights: p for p in points}
    r50 = by_weights["ResNet50_Weights.IMAGENET1K_V2"]
    # torchvision: num_params 25,557,032, _ops 4.089 (GMACs, 3 decimals), acc@1 80.858, crop 224
    assert (r50.model, r50.family, r50.crop, r50.params, r50.acc1) == (
        "resnet50", "ResNet", 224, 25557032, 80.858)
    assert abs(r50.macs / 1e9 - 4.089) <= 0.0005
    assert r50.label == "resnet50 V2" and by_weights["ResNet50_Weights.IMAGENET1K_V1"].label == \
        "resnet50"
    # every weight with an accuracy is drawn or named as skipped, never both
    assert len(points) + len(skipped) == 97  # 98 weights, vgg16's FEATURES has no accuracy
    assert not {p.weights for p in points} & set(skipped)
    assert all(p.model in model_names() for p in points)


def test_models_not_bundled_are_skipped_by_name(frontier):
    points, skipped = frontier
    if "inception_v3" in model_names():
        assert "Inception_V3_Weights.IMAGENET1K_V1" in {p.weights for p in points}
    else:
        assert "Inception_V3_Weights.IMAGENET1K_V1" in skipped


def test_evolution_years_errors_and_depths():
    winners, skipped = evolution_points()
    assert skipped == []
    assert [w.year for w in winners] == [2012, 2013, 2014, 2015, 2016, 2017]
    # AlexNet Table 2, ILSVRC 2013, GoogLeNet Table 2, ResNet abstract, ILSVRC 2016, SENet abstract
    assert [w.top5_error for w in winners] == [16.4, 11.7, 6.67, 3.57, 2.99, 2.251]
    # SENet-154: 3 stem convs + 50 bottlenecks x 3 + fc; SE gates do not add depth
    assert [w.depth for w in winners] == [8, 8, 22, 152, None, 3 + 50 * 3 + 1]
    assert winners[4].model == "" and winners[4].macs is None  # Trimps-Soushen: an ensemble
    assert winners[3].params == 60192808  # ResNet-152: torchvision num_params (v1 = v1.5 here)


@pytest.mark.parametrize("model, depth", [("vgg16", 16), ("vgg19", 19), ("resnet18", 18),
                                          ("resnet50", 50), ("densenet121", 121),
                                          ("googlenet", 22), ("se_resnet50", 50)])
def test_depth_counts_weight_layers_on_the_longest_path(model, depth):
    from cnncost import analyze

    assert weight_depth(analyze(model)) == depth


@pytest.mark.parametrize("kind", ["--frontier", "--evolution"])
def test_charts_render_as_valid_svg(cli, tmp_path, kind):
    pytest.importorskip("matplotlib")
    out = tmp_path / "chart.svg"
    code, text, err = cli("plot", kind, "-o", str(out))
    assert code == 0, err
    assert text.startswith(f"wrote {out}")
    root = ET.parse(out).getroot()
    svg_text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert ("resnet50 V2" in svg_text) if kind == "--frontier" else ("2015" in svg_text)
    first = out.read_bytes()
    assert cli("plot", kind, "-o", str(out))[0] == 0 and out.read_bytes() == first


def test_frontier_json_lists_points_and_skipped(cli, tmp_path):
    pytest.importorskip("matplotlib")
    code, text, _ = cli("plot", "--frontier", "-o", str(tmp_path / "f.png"), "--format", "json")
    data = json.loads(text)
    assert code == 0 and data["chart"] == "frontier"
    assert {"weights", "model", "family", "crop", "acc1", "macs", "params"} == set(
        data["points"][0])
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["--frontier", "resnet50"], "--frontier takes no models"),
    (["--frontier", "--evolution"], "choose one of --frontier and --evolution"),
    ([], "plot needs one or more models"),
])
def test_bad_chart_requests_are_one_line_errors(cli, tmp_path, args, message):
    code, _, err = cli("plot", *args, "-o", str(tmp_path / "x.svg"))
    assert code == 2 and message in err and err.startswith("cnncost: error:")


def test_missing_output_is_an_error(cli):
    code, _, err = cli("plot", "--evolution")
    assert code == 2 and "--output" in err


def test_without_matplotlib_one_line_naming_the_extra(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    out = tmp_path / "x.svg"
    code, _, err = cli("plot", "--evolution", "-o", str(out))
    assert code == 2 and err.strip().count("\n") == 0 and "cnncost[plot]" in err
    assert not out.exists()
