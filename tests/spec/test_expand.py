"""Expanding a spec into a graph: the rule memo, residual shortcuts, name templates, flat parallels
and unique node names. Expected values are hand arithmetic written out in the tests.
"""

from __future__ import annotations

from pathlib import Path
import textwrap

import pytest

import cnncost
from cnncost.api import build_graph
from cnncost.errors import CnnCostError


# ---- a comparison on symbols is a condition, never a number -----------------------------------


def test_rule_memo_never_mixes_ops_with_shared_rules(tmp_path):
    # relu and sigmoid share every rule method (only their constants differ) and here see the
    # same args and input shape: each must still get its own result (relu in place, 1 op per
    # element; sigmoid allocates, 3 ops per element)
    spec = tmp_path / "gate.yaml"
    spec.write_text("name: gate\ninput: [8, 4, 4]\nlayers: [gap, relu, sigmoid, relu, sigmoid]\n")
    rows = cnncost.analyze(str(spec)).rows
    assert [(r.type, r.activation_bytes, r.other_ops) for r in rows[1:3]] == [
        ("relu", 0, 8), ("sigmoid", 8 * 4, 3 * 8)]
    assert [(r.activation_bytes, r.other_ops) for r in rows[3:]] == [(0, 8), (8 * 4, 3 * 8)]


def test_rule_memo_never_mixes_ops_across_builds(tmp_path):
    # the same shapes and args seen first by relu in one model, then by sigmoid in another
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("name: a\ninput: [8, 4, 4]\nlayers: [gap, relu]\n")
    second.write_text("name: b\ninput: [8, 4, 4]\nlayers: [gap, sigmoid]\n")
    assert cnncost.analyze(str(first)).rows[1].activation_bytes == 0
    gate = cnncost.analyze(str(second)).rows[1]
    assert (gate.type, gate.activation_bytes, gate.other_ops) == ("sigmoid", 8 * 4, 3 * 8)


def _net(tmp_path: Path, layers: str) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text("name: net\ninput: [64, 28, 28]\nlayers:\n" + layers)
    return path


def test_residual_auto_projects_and_adds_in_place(tmp_path):
    path = _net(tmp_path, """\
  - residual:
      body:
        - {conv: {c: 128, k: 3, s: 2, p: 1, bias: false}, name: conv1}
      shortcut: auto
      stride: 2
      inplace: true
""")
    r = cnncost.analyze(path)
    rows = {x.name: x for x in r.rows}
    assert list(rows) == ["conv1", "downsample.0", "downsample.1", "add"]
    assert rows["downsample.0"].params == 64 * 128 and rows["downsample.0"].output == (128, 14, 14)
    assert rows["add"].activation_bytes == 0


def test_build_graph_names_are_unique():
    for name in ("googlenet", "resnet50", "googlenet-paper"):
        names = [n.name for n in build_graph(name).nodes]
        assert len(names) == len(set(names)), name


def _spec(tmp_path, body: str):
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_name_template_from_loop_variable(tmp_path):
    path = _spec(tmp_path, """
        name: t
        input: [3, 8, 8]
        layers:
          - repeat: {n: 3, var: i, body: [{conv: {c: 4, k: 1}, name: "layer{2 * i + 1}"}]}
    """)
    names = [r.name for r in cnncost.analyze(path).rows]
    assert names == ["layer1", "layer3", "layer5"]


@pytest.mark.parametrize("name,message", [("x{i / 2}", "whole number"), ("x{i", "braces"),
                                          ("x{j}", "j")])
def test_name_template_errors(tmp_path, name, message):
    path = _spec(tmp_path, f"""
        name: t
        input: [3, 8, 8]
        layers:
          - repeat: {{n: 3, var: i, body: [{{conv: {{c: 4, k: 1}}, name: "{name}"}}]}}
    """)
    with pytest.raises(CnnCostError, match=message):
        cnncost.analyze(path)


def test_flat_parallel_keeps_the_enclosing_scope(tmp_path):
    path = _spec(tmp_path, """
        name: t
        input: [3, 8, 8]
        layers:
          - name: fire
            seq:
              - {conv: {c: 2, k: 1}, name: squeeze}
              - parallel:
                  merge: concat
                  flat: true
                  branches:
                    - [{conv: {c: 4, k: 1}, name: expand1x1}]
                    - [{conv: {c: 4, k: 3, p: 1}, name: expand3x3}]
    """)
    rows = cnncost.analyze(path).rows
    assert [r.name for r in rows] == ["fire.squeeze", "fire.expand1x1", "fire.expand3x3",
                                      "fire.concat"]
    assert rows[-1].output == (8, 8, 8)
    assert rows[2].params == 4 * 2 * 9 + 4
