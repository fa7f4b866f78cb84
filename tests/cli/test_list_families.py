"""`cnncost list` by family, and the spec fields behind it (`family`, `origin`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnncost.errors import CnnCostError
from cnncost.spec.zoo import load_spec


def test_list_groups_by_family_and_says_whose_layout(cli):
    code, out, _ = cli("list")
    assert code == 0
    assert "== ResNet (" in out and "== VGG (" in out and "== AlexNet (1 torchvision, 1 paper)" \
        in out
    vgg = out[out.index("== VGG ("):].split("\n\n")[0]
    assert "vgg16-lecture  lecture" in vgg and "vgg16_bn       torchvision" in vgg
    assert " families: " in out.rstrip().splitlines()[-1]


def test_list_json_has_family_and_origin(cli):
    code, out, _ = cli("list", "--format", "json")
    rows = {r["model"]: r for r in json.loads(out)}
    assert (rows["resnext50_32x4d"]["family"], rows["resnext50_32x4d"]["origin"]) == (
        "ResNeXt", "torchvision")
    assert (rows["resnet50-paper"]["family"], rows["resnet50-paper"]["origin"]) == ("ResNet",
                                                                                     "paper")
    assert rows["zfnet"]["origin"] == "lecture" and rows["zfnet-paper"]["origin"] == "paper"
    assert {r["origin"] for r in rows.values()} == {"torchvision", "paper", "lecture"}
    families = [r["family"].casefold() for r in json.loads(out)]
    assert families == sorted(families)  # grouped: each family's rows together


def _spec(tmp_path, head: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(f"name: net\n{head}input: [3, 8, 8]\nlayers:\n  - conv: {{c: 4, k: 3}}\n"
                    "variants:\n  net-lecture: {origin: lecture, family: Nets}\n",
                    encoding="utf-8")
    return str(path)


def test_defaults_and_variant_overrides(tmp_path):
    spec = load_spec(_spec(tmp_path, "title: a net (torchvision layout)\n"))
    assert (spec.family, spec.origin) == ("net", "torchvision")  # file name; title names it
    assert load_spec(_spec(tmp_path, "")).origin == "paper"
    from cnncost.spec.schema import parse_spec
    from cnncost.spec.yamlio import load_file

    path = _spec(tmp_path, "")
    variant = parse_spec(load_file(Path(path)), path, "net-lecture")
    assert (variant.family, variant.origin) == ("Nets", "lecture")


@pytest.mark.parametrize("head, message", [
    ("origin: book\n", "'origin' must be one of torchvision, paper, lecture"),
    ("family: [a]\n", "'family' must be text"),
])
def test_schema_refuses_bad_values(tmp_path, head, message):
    with pytest.raises(CnnCostError, match=message):
        load_spec(_spec(tmp_path, head))
