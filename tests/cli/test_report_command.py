"""The list, report and compare commands: JSON schema, ratios, symbolic output, slices."""

from __future__ import annotations

import json

import pytest

from cnncost.spec.zoo import model_names


EXAMPLES = "specs/examples/"


def test_cli_report_json_schema(cli):
    import json

    code, out, err = cli("report", "alexnet", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"model", "title", "source", "input", "batch", "dtype", "layers", "totals"}
    assert data["input"] == [3, 227, 227]
    assert data["layers"][0] == {**data["layers"][0], "name": "features.0", "type": "conv",
                                 "output": [64, 56, 56], "params": 23296, "macs": 72855552,
                                 "activation_bytes": 802816}
    assert data["totals"]["params"] == 61_100_840


def test_cli_compare_ratios(cli):
    import json

    code, out, _ = cli("compare", "alexnet", "vgg16", "--input", "3x224x224", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [m["model"] for m in data["models"]] == ["alexnet", "vgg16"]
    assert data["ratios"][0]["macs"] == 1.0
    assert data["ratios"][1]["params"] == pytest.approx(138_357_544 / 61_100_840)


def test_cli_symbolic_report_and_errors(cli):
    code, out, _ = cli("report", EXAMPLES + "one_conv5x5.yaml")
    assert code == 0 and "25*C**2*H*W" in out
    code, _, err = cli("report", "vgg61")
    assert code == 2 and "unknown model 'vgg61'" in err and err.startswith("cnncost: error:")
    code, _, err = cli("report", "vgg16", "--input", "3x10x10")
    assert code == 2 and "larger than the padded input" in err and "features" in err


def test_list_shows_classic_line(cli):
    code, out, _ = cli("list")
    assert code == 0
    for name in ("alexnet", "alexnet-paper", "zfnet", "vgg11", "vgg13", "vgg16", "vgg19",
                 "vgg16_bn", "vgg16-lecture"):
        assert name in out


def test_compare_with_per_model_slices(cli):
    code, out, err = cli("compare", "googlenet-paper[:pool2]", "vgg16-lecture[:features.14]",
                         "--exact", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [m["model"] for m in data["models"]] == ["googlenet-paper[:pool2]",
                                                    "vgg16-lecture[:features.14]"]
    assert [m["totals"]["params"] for m in data["models"]] == [124_416, 1_145_408]
    code, out, err = cli("report", "resnet50[layer4:]", "--format", "json")
    assert code == 0, err
    names = [r["name"] for r in json.loads(out)["layers"]]
    assert names[0] == "layer4.0.conv1" and names[-1] == "fc"


def test_slice_errors_through_cli(cli):
    code, _, err = cli("compare", "googlenet[pool2]", "resnet18")
    assert code == 2 and "MODEL[FROM:UNTIL]" in err
    code, _, err = cli("report", "googlenet[:pool2]")
    assert code == 2 and "pool2" in err and "maxpool2" in err  # unknown name, with a suggestion


def test_bundled_models_listed(cli):
    code, out, _ = cli("list", "--format", "json")
    names = {m["model"] for m in json.loads(out)}
    assert {"googlenet", "googlenet-paper", "resnet18", "resnet34", "resnet50", "resnet101",
            "resnet152", "resnet50-paper", "resnet101-paper", "resnet152-paper",
            "resnext50_32x4d", "resnext101_32x8d", "wide_resnet50_2"} <= names


MINE = ["densenet121", "densenet161", "densenet169", "densenet201", "mobilenet_v1",
        "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v1",
        "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "squeezenet1_0", "squeezenet1_1",
        "mnasnet1_0", "efficientnet_b0", "se_resnet50", "se_resnet50-paper"]


def test_models_are_listed(cli):
    code, out, _ = cli("list")
    assert code == 0
    assert all(name in out for name in MINE)
    assert set(MINE) <= set(model_names())


def test_compare_lecture_line(cli):
    models = ["resnet50", "resnext50_32x4d", "se_resnet50", "densenet121", "mobilenet_v2",
              "shufflenet_v2_x1_0"]
    code, out, err = cli("compare", *models, "--exact")
    assert code == 0, err
    for number in ("28,088,024", "4,091,699,200", "7,978,856", "3,504,872", "2,278,604"):
        assert number in out or number.replace(",", "") in out


@pytest.mark.parametrize("command", [["report", "googlenet"], ["compare", "googlenet", "resnet18"]])
def test_aux_includes_the_auxiliary_heads_and_train_is_its_deprecated_alias(cli, command):
    code, plain, _ = cli(*command, "--format", "json")
    code_aux, aux, err_aux = cli(*command, "--aux", "--format", "json")
    code_old, old, err_old = cli(*command, "--train", "--format", "json")
    assert code == code_aux == code_old == 0
    assert aux == old != plain and err_aux == ""
    assert err_old.count("\n") == 1 and "--train is deprecated" in err_old and "--aux" in err_old
