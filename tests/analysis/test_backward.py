"""Backward counts by hand arithmetic (no torch): which layers get an input gradient, grouped
and depthwise convs, and the non-MAC work of backward."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnncost

SPEC = """\
cnncost: 1
name: tiny_backward
input: [3, 8, 8]
layers:
  - {maxpool: {k: 2}, name: pool0}
  - {conv: {c: 8, k: 3, p: 1}, name: conv1}
  - {bn: {}, name: bn1}
  - {relu: {}, name: relu1}
  - {conv: {c: 8, k: 3, p: 1, groups: 8, bias: false}, name: dw}
  - {conv: {c: 16, k: 1, groups: 2, bias: false}, name: pw}
  - {avgpool: {k: 2}, name: pool1}
  - gap
  - flatten
  - {linear: {out: 10}, name: fc}
"""


@pytest.fixture
def rows(tmp_path: Path) -> dict:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return {r.name: r for r in cnncost.analyze(str(path), batch=2).rows}


def test_nothing_upstream_requires_grad(rows):
    assert (rows["pool0"].backward_macs, rows["pool0"].backward_other_ops) == (0, 0)


def test_first_conv_weight_gradient_only(rows):
    fwd = 8 * 4 * 4 * 3 * 9  # Cout·Ho·Wo · Cin·kh·kw per sample
    assert rows["conv1"].macs == 2 * fwd
    assert rows["conv1"].backward_macs == 2 * fwd          # dW only, batch 2
    assert rows["conv1"].backward_other_ops == 2 * 8 * 4 * 4  # bias gradient


def test_depthwise_and_grouped_are_exactly_twice_forward(rows):
    dw = 8 * 4 * 4 * 1 * 9  # Cin/groups = 1
    pw = 16 * 4 * 4 * 4 * 1  # Cin/groups = 4
    assert rows["dw"].backward_macs == 2 * 2 * dw
    assert rows["pw"].backward_macs == 2 * 2 * pw
    assert rows["dw"].backward_other_ops == 0


def test_non_mac_backward(rows):
    n = 2 * 8 * 4 * 4
    assert rows["bn1"].backward_other_ops == 9 * n
    assert rows["relu1"].backward_other_ops == n
    assert rows["pool1"].backward_other_ops == 2 * 16 * 2 * 2 * (4 + 1)
    assert rows["fc"].backward_macs == 2 * 2 * 16 * 10
    assert rows["fc"].backward_other_ops == 2 * 10


def test_totals_and_json(tmp_path: Path, cli):
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    r = cnncost.analyze(str(path))
    assert r.totals.backward_macs == sum(x.backward_macs for x in r.rows)
    code, out, _ = cli("report", str(path), "--backward", "-f", "json")
    assert code == 0
    import json

    data = json.loads(out)
    assert data["totals"]["backward_macs"] == r.totals.backward_macs
    assert [x["backward_macs"] for x in data["layers"]] == [x.backward_macs for x in r.rows]
    code, out, _ = cli("report", str(path), "--backward")
    assert code == 0 and "bwd MACs" in out


def test_symbolic_backward_equals_numeric():
    import sympy

    sym = cnncost.analyze("resnet18", input="3xHxW").totals.backward_macs
    num = cnncost.analyze("resnet18", input="3x97x131").totals.backward_macs
    assert sym.subs({sympy.Symbol("H", positive=True, integer=True): 97,
                     sympy.Symbol("W", positive=True, integer=True): 131}) == num


SE = """\
cnncost: 1
name: tiny_se
input: [3, 4, 4]
layers:
  - {conv: {c: 8, k: 1, bias: false}, name: conv}
  - residual:
      merge: mul
      body:
        - gap
        - {conv: {c: 8, k: 1}, name: fc}
        - sigmoid
"""


def test_se_gate_mul_backward(tmp_path: Path):
    """x (8x4x4) times a gate (8x1x1): dx = dy*g (one product per element); dg = sum over H*W
    of dy*x (a product per element, then 16 - 1 adds per channel)."""
    path = tmp_path / "se.yaml"
    path.write_text(SE)
    rows = {r.type: r for r in cnncost.analyze(str(path)).rows}
    n = 8 * 4 * 4
    assert rows["mul"].backward_other_ops == n + (n + n - 8)
    assert rows["sigmoid"].backward_other_ops == 3 * 8
    assert rows["gap"].backward_other_ops == n  # dy / area into each of the 16 cells


def test_base_defaults_for_ops_without_their_own_rule():
    """A new op inherits: MACs against a learned weight cost the forward MACs once for the
    weight gradient and once for the input gradient; non-MAC work as much as the forward's."""
    from cnncost.ops.base import Op

    class Scale(Op):  # y = w * x, one learned weight per channel
        def param_shapes(self, a, ins, out):
            return {"weight": (ins[0][0],)}

        def macs(self, a, ins, out):
            return 4 * 5 * 5

        def other_ops(self, a, ins, out):
            return 7

    op, shape = Scale(), (4, 5, 5)
    assert op.backward_macs({}, [shape], shape, (True,)) == 2 * 100
    assert op.backward_macs({}, [shape], shape, (False,)) == 100
    assert op.backward_other_ops({}, [shape], shape, (True,)) == 7
    assert op.backward_other_ops({}, [shape], shape, (False,)) == 0
