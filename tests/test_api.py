"""The Python API (cnncost.analyze / compare / load_spec / fit) and the doctests of every module.

Expected numbers are hand arithmetic written out here, or published figures:
VGG-16 has 138,357,544 parameters (Simonyan & Zisserman 2015, Table 2 "138M"; torchvision
num_params 138357544).
"""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path
import pkgutil

import pytest

import cnncost
from cnncost.api import split_slice
from cnncost.errors import CnnCostError

SPEC = """cnncost: 1
name: tiny
title: Tiny test net
source: written in tests/test_api.py
input: [3, 8, 8]
params: {classes: 10}
layers:
  - {conv: {c: 8, k: 3, p: 1}, name: c1}
  - relu
  - maxpool: {k: 2, s: 2}
  - flatten
  - {linear: {out: classes}, name: fc}
"""
# c1: params 8*3*3*3 + 8 = 224, MACs (8*8*8)*(3*3*3) = 13,824, out 8x8x8 = 512 elements
# maxpool: out 8x4x4 = 128 elements; flatten: a view (0 B); relu: in-place (0 B)
# fc: params 128*classes + classes, MACs 128*classes, out `classes` elements
P_TINY = 224 + 128 * 10 + 10
M_TINY = 13824 + 1280
E_TINY = 512 + 128 + 10


def _public_modules() -> list[str]:
    names = ["cnncost"]
    for info in pkgutil.walk_packages(cnncost.__path__, "cnncost."):
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _public_modules())
def test_doctests(name):
    """Every docstring example in the package runs (numeric ones are fast)."""
    if name == "cnncost.render.plot":
        pytest.importorskip("matplotlib")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize("name", _public_modules())
def test_every_exported_name_exists(name):
    """``from <module> import *`` works: each name in ``__all__`` is defined (or lazily given)."""
    if name == "cnncost.render.plot":
        pytest.importorskip("matplotlib")
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert missing == []


def test_doctests_are_collected():
    """The doctest runner can fail: the public API does carry examples."""
    finder = doctest.DocTestFinder()
    for name in ("cnncost", "cnncost.api", "cnncost.cli.embedding"):
        examples = sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
        assert examples > 0, name


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return path


def test_analyze_totals_and_layers(tiny):
    r = cnncost.analyze(tiny)
    assert (r.totals.params, r.totals.macs, r.totals.activation_bytes) == (P_TINY, M_TINY,
                                                                           4 * E_TINY)
    assert r.layers is r.rows
    assert [row.name for row in r.layers][0] == "c1" and r.layers[-1].name == "fc"
    assert r.layers[0].output == (8, 8, 8)


def test_analyze_batch_dtype_set_input(tiny):
    r = cnncost.analyze(str(tiny), batch=4, dtype="fp16", set={"classes": 5})
    # fc with 5 classes: 128*5 + 5 params; MACs scale with the batch; fp16 = 2 bytes
    assert r.totals.params == 224 + 128 * 5 + 5
    assert r.totals.macs == 4 * (13824 + 128 * 5)
    assert r.totals.activation_bytes == 4 * 2 * (512 + 128 + 5)
    r2 = cnncost.analyze(str(tiny), input="3x16x16", set=["classes=5"])
    # 16x16 input: conv out 8x16x16, pool 8x8x8 = 512 features into fc
    assert r2.totals.params == 224 + 512 * 5 + 5
    assert r2.layers[0].macs == 8 * 16 * 16 * 27


def test_to_json_has_the_json_fields(tiny):
    r = cnncost.analyze(tiny)
    data = json.loads(r.to_json())
    assert data["model"] == "tiny" and data["input"] == [3, 8, 8]
    assert data["totals"]["params"] == P_TINY and data["totals"]["macs"] == M_TINY
    first = data["layers"][0]
    assert set(first) >= {"name", "type", "output", "params", "macs", "activation_bytes"}
    assert (first["name"], first["params"], first["macs"]) == ("c1", 224, 13824)
    assert sum(row["params"] for row in data["layers"]) == data["totals"]["params"]


def test_to_markdown_is_a_github_table(tiny):
    md = cnncost.analyze(tiny).to_markdown()
    lines = md.splitlines()
    assert lines[0].startswith("**tiny — Tiny test net")
    header = next(i for i, line in enumerate(lines) if line.startswith("| layer"))
    assert set(lines[header + 1]) <= set("|-: ")
    assert "Source: written in tests/test_api.py" in md


def test_compare_and_load_spec(tiny):
    a, v = cnncost.compare(str(tiny), "vgg16", input="3x224x224")
    assert v.totals.params == 138_357_544
    assert a.model == "tiny" and v.model == "vgg16"
    spec = cnncost.load_spec("vgg16")
    assert spec.name == "vgg16"
    assert cnncost.load_spec(tiny).title == "Tiny test net"
    with pytest.raises(cnncost.CnnCostError, match="unknown model"):
        cnncost.load_spec("no_such_model_xyz")


def test_symbolic_input(tiny):
    r = cnncost.analyze(tiny, input="3xHxW", set={"classes": 10})
    assert r.symbolic
    # conv keeps HxW (k3, p1): MACs 8*27*H*W; substituting H=W=8 gives the numeric figure
    import sympy

    H, W = sympy.symbols("H W", integer=True, positive=True)
    conv = r.layers[0].macs
    assert int(conv.subs({s: 8 for s in conv.free_symbols})) == 13824


def test_fit_is_public():
    assert callable(cnncost.fit) and cnncost.fit.__doc__ and ">>>" in cnncost.fit.__doc__


@pytest.mark.parametrize("text,expected", [
    ("googlenet", None), ("googlenet[:pool2]", ("googlenet", None, "pool2")),
    ("vgg16[features.5:]", ("vgg16", "features.5", None)),
    ("resnet50[layer2 : layer3]", ("resnet50", "layer2", "layer3")),
    ("resnet50[:]", ("resnet50", None, None)),
])
def test_split_slice(text, expected):
    assert split_slice(text) == expected


@pytest.mark.parametrize("text", ["googlenet[pool2]", "googlenet[:pool2", "[a:b]",
                                  "googlenet[a:b:c]", "googlenet[[a:b]]"])
def test_split_slice_errors(text):
    with pytest.raises(CnnCostError, match="MODEL\\[FROM:UNTIL\\]"):
        split_slice(text)


def test_package_names_modules_and_functions_apart():
    assert callable(cnncost.analyze) and callable(cnncost.fit) and callable(cnncost.load_spec)
    for name in ("cnncost.analysis.report", "cnncost.analysis.memory", "cnncost.spec.zoo",
                 "cnncost.render.report", "cnncost.verify.ledger", "cnncost.cost"):
        assert type(importlib.import_module(name)).__name__ == "module"
