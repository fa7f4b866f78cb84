"""Merge ops (add, concat, mul): shapes and broadcasts by hand, and their numpy forward against PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import cnncost
from cnncost.spec.bindings import make_symbol

from op_helpers import close, needs_torch, run_op, t, torch


def _spec(tmp_path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return str(path)

SE_GATE = """\
name: gate
input: [4, H, W]
symbols: {H: 16, W: 16}
layers:
  - residual:            # merge inputs are [body, shortcut] = [4x1x1 gate, 4xHxW map]
      merge: mul
      body: [{gap: {}}]
"""


def test_mul_gate_first_keeps_the_map_shape_symbolic(tmp_path):
    H, W = make_symbol("H"), make_symbol("W")
    r = cnncost.analyze(_spec(tmp_path, SE_GATE), input="4xHxW")
    assert [row.output for row in r.rows] == [(4, 1, 1), (4, H, W)]
    # gap writes 4 elements, mul 4*H*W elements; 4 bytes each
    assert r.totals.activation_bytes - 4 * (4 + 4 * H * W) == 0
    num = cnncost.analyze(_spec(tmp_path, SE_GATE), input="4x16x16")
    assert [row.output for row in num.rows] == [(4, 1, 1), (4, 16, 16)]
    assert num.totals.activation_bytes == 4 * (4 + 4 * 16 * 16)

SPATIAL_GATE = """\
name: spatial
input: [C, 8, 8]
symbols: {C: 6}
layers:
  - residual:            # [1x8x8 map, Cx8x8 input]: the channel dim broadcasts to C
      merge: mul
      body: [{conv: {c: 1, k: 1, bias: false}}]
"""


def test_mul_channel_broadcast_symbolic(tmp_path):
    C = make_symbol("C")
    r = cnncost.analyze(_spec(tmp_path, SPATIAL_GATE), input="Cx8x8")
    assert r.rows[-1].output == (C, 8, 8)
    assert cnncost.analyze(_spec(tmp_path, SPATIAL_GATE), input="6x8x8").rows[-1].output == (6, 8, 8)


@needs_torch
def test_concat_add_mul_match_torch():
    rng = np.random.default_rng(3)
    a, b, c = (rng.standard_normal((2, k, 3, 3)) for k in (2, 5, 2))
    y, *_ = run_op("concat", {}, [(2, 3, 3), (5, 3, 3), (2, 3, 3)], xs=[a, b, c])
    close(y, torch.cat([t(a), t(b), t(c)], dim=1))
    y, *_ = run_op("add", {}, [(2, 3, 3), (2, 3, 3)], xs=[a, c])
    close(y, t(a) + t(c))
    gate = rng.standard_normal((2, 2, 1, 1))
    y, *_ = run_op("mul", {}, [(2, 3, 3), (2, 1, 1)], xs=[a, gate])
    close(y, t(a) * t(gate))


def _net(tmp_path: Path, layers: str) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text("name: net\ninput: [64, 28, 28]\nlayers:\n" + layers)
    return path


def test_add_of_64_and_256_channels(tmp_path, cli):
    path = _net(tmp_path, """\
  - residual:
      body:
        - {conv: {c: 256, k: 1}, name: conv1}
      shortcut: identity
""")
    code, _, err = cli("report", str(path))
    assert code == 2
    assert "256x28x28" in err and "64x28x28" in err and "add" in err


def test_concat_of_28_and_27(tmp_path, cli):
    path = _net(tmp_path, """\
  - name: mix
    parallel:
      branches:
        a: [{conv: {c: 32, k: 3, p: 1}}]
        b: [{conv: {c: 32, k: 2}}]
      merge: concat
""")
    code, _, err = cli("report", str(path))
    assert code == 2
    assert "32x28x28" in err and "32x27x27" in err and "concat" in err
