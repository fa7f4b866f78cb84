"""Review of the op shape rules against PyTorch's edge cases (each expected value is worked out by
hand below, and checked against torch itself where torch is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncost.api import build_graph
from cnncost.errors import CnnCostError
from cnncost.ops import OPS, REQUIRED


def prepared(name: str, args: dict, shape: tuple) -> tuple:
    """prepare + shape, as the builder runs them."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, [shape])
    return op.shape(a, [shape])


# ---- max pool: PyTorch bounds the padding by half the kernel, not the dilated kernel -----------

def test_maxpool_padding_bound_ignores_dilation():
    # torch's pool2d_shape_check: kW / 2 >= padW. k=3 -> p <= 1 whatever d (the dilated
    # window 2*(3-1)+1 = 5 would allow p = 2, but PyTorch refuses it)
    with pytest.raises(CnnCostError, match="half the kernel"):
        prepared("maxpool", {"k": 3, "s": 1, "p": 2, "d": 2}, (1, 9, 9))
    # k=4 -> p <= 2 is allowed: floor((9 + 2*2 - 2*(4-1) - 1) / 1) + 1 = 7
    assert prepared("maxpool", {"k": 4, "s": 1, "p": 2, "d": 2}, (1, 9, 9)) == (1, 7, 7)


def test_maxpool_padding_bound_matches_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = torch.zeros(1, 1, 9, 9)
    with pytest.raises(RuntimeError, match="half of kernel size"):
        F.max_pool2d(x, 3, 1, 2, 2)
    assert tuple(F.max_pool2d(x, 4, 1, 2, 2).shape[1:]) == (1, 7, 7)


# ---- ceil mode with a symbolic dilation --------------------------------------------------------

SYM_D = """\
name: symd
input: [3, 32, 32]
symbols: {D: {}}
layers:
  - maxpool: {k: 2, s: 2, p: 1, d: D, ceil: true}
"""


# MaxPool2d(k=2, s=2, p=1, dilation=D, ceil_mode=True) on 32: span = 32 + 2 - D - 1 = 33 - D,
# out = ceil(span / 2) + 1, minus one when (out - 1) * 2 >= 32 + 1 (never here):
#   D=1: ceil(32/2) + 1 = 17;  D=2: ceil(31/2) + 1 = 17;  D=3: ceil(30/2) + 1 = 16
HAND = {1: 17, 2: 17, 3: 16}


def test_ceil_pool_with_symbolic_dilation_builds(tmp_path: Path):
    spec = tmp_path / "symd.yaml"
    spec.write_text(SYM_D)
    graph = build_graph(spec)  # used to escape as a TypeError (undecidable sympy relational)
    out = graph.nodes[-1].shape
    import sympy

    d = sympy.Symbol("D", integer=True, positive=True)
    for value, expected in HAND.items():
        h = out[1].subs({s: value for s in out[1].free_symbols if s.name == d.name})
        assert int(h) == expected
        assert build_graph(spec, set={"D": value}).nodes[-1].shape == (3, expected, expected)


def test_ceil_pool_hand_values_match_torch():
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, 32, 32)
    for value, expected in HAND.items():
        y = torch.nn.functional.max_pool2d(x, 2, 2, 1, value, ceil_mode=True)
        assert y.shape[-1] == expected


# ---- conv 'same' ---------------------------------------------------------------------------

def test_conv_same_refuses_a_stride():
    with pytest.raises(CnnCostError, match="stride 1"):
        prepared("conv", {"c": 4, "k": 3, "s": 2, "p": "same"}, (3, 8, 8))
    with pytest.raises(CnnCostError, match="stride 1"):
        prepared("conv", {"c": 4, "k": 3, "s": [1, 2], "p": "same"}, (3, 8, 8))
    # stride 1 keeps H x W: total padding d*(k-1) = 2*2 = 4 -> 8 + 4 - 4 - 1 + 1 = 8
    assert prepared("conv", {"c": 4, "k": 3, "d": 2, "p": "same"}, (3, 8, 8)) == (4, 8, 8)


def test_conv_same_stride_refused_by_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="strided"):
        torch.nn.functional.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(4, 3, 3, 3),
                                   stride=2, padding="same")
