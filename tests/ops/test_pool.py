"""Pooling ops: shape rules by hand and against PyTorch's edge cases (padding bound, ceil mode,
dilation), and their numpy forward against PyTorch. Each expected value is worked out by hand or
taken from torch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncost.api import build_graph
from cnncost.errors import CnnCostError

from op_helpers import close, F, needs_torch, one_layer, prepared, run_op, t, torch


# ---- max pool: PyTorch bounds the padding by half the kernel, not the dilated kernel -----------


def test_maxpool_padding_bound_ignores_dilation():
    # torch's pool2d_shape_check: kW / 2 >= padW. k=3 -> p <= 1 whatever d (the dilated
    # window 2*(3-1)+1 = 5 would allow p = 2, but PyTorch refuses it)
    with pytest.raises(CnnCostError, match="half the kernel"):
        prepared("maxpool", {"k": 3, "s": 1, "p": 2, "d": 2}, (1, 9, 9))
    # k=4 -> p <= 2 is allowed: floor((9 + 2*2 - 2*(4-1) - 1) / 1) + 1 = 7
    assert prepared("maxpool", {"k": 4, "s": 1, "p": 2, "d": 2}, (1, 9, 9)) == (1, 7, 7)


@needs_torch
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


@needs_torch
def test_ceil_pool_hand_values_match_torch():
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, 32, 32)
    for value, expected in HAND.items():
        y = torch.nn.functional.max_pool2d(x, 2, 2, 1, value, ceil_mode=True)
        assert y.shape[-1] == expected


# ---- conv 'same' ---------------------------------------------------------------------------


def test_maxpool_floor_and_ceil():
    assert one_layer("maxpool", {"k": 3, "s": 2}, (64, 112, 112))[0] == (64, 55, 55)  # 109//2+1
    assert one_layer("maxpool", {"k": 3, "s": 2, "ceil": True}, (64, 112, 112))[0] == (64, 56, 56)
    # PyTorch drops a last window that would start in the padding: ceil(5/2)+1 = 4, but
    # (4-1)*2 = 6 >= 5 + 1, so 3 (MaxPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 gives 3x3)
    assert one_layer("maxpool", {"k": 2, "s": 2, "p": 1, "ceil": True}, (1, 5, 5))[0] == (1, 3, 3)
    _, n = one_layer("maxpool", {"k": 3, "s": 2}, (64, 56, 56))
    assert n.shape == (64, 27, 27) and n.params == 0 and n.macs == 0
    assert n.other_ops == 64 * 27 * 27 * 8  # 9 - 1 comparisons per output


def test_avg_adaptive_and_global_pool():
    assert one_layer("avgpool", {"k": 2, "s": 2}, (256, 13, 13))[0] == (256, 6, 6)
    assert one_layer("adaptive_avgpool", {"out": 6}, (256, 13, 13))[0] == (256, 6, 6)
    assert one_layer("adaptive_avgpool", {"out": [7, 7]}, (512, 3, 3))[0] == (512, 7, 7)
    _, gap = one_layer("gap", {}, (2048, 7, 7))
    assert gap.shape == (2048, 1, 1) and gap.other_ops == 2048 * 49


MAXPOOL_CASES = [
    ((3, 13, 13), {"k": 3, "s": 2}),
    ((3, 13, 13), {"k": 3, "s": 2, "ceil": True}),
    ((2, 112, 112), {"k": 3, "s": 2, "p": 1}),
    ((2, 14, 14), {"k": 3, "s": 2, "ceil": True}),   # GoogLeNet-style ceil
    ((2, 6, 6), {"k": 3, "s": 2, "p": 1, "ceil": True}),  # last window would start in padding
    ((2, 10, 9), {"k": 3, "s": 1, "p": 1}),
    ((2, 11, 11), {"k": 3, "s": 2, "d": 2, "p": 1, "ceil": True}),
    ((2, 8, 7), {"k": [2, 3], "s": [2, 1]}),
    ((2, 7, 7), {"k": 2}),  # stride defaults to the kernel
]


@needs_torch
@pytest.mark.parametrize("shape,args", MAXPOOL_CASES)
def test_maxpool_matches_torch(shape, args):
    y, counted, xs, _, _ = run_op("maxpool", args, [shape])
    ref = F.max_pool2d(t(xs[0]), args["k"], args.get("s"), args.get("p", 0), args.get("d", 1),
                       ceil_mode=args.get("ceil", False))
    close(y, ref)
    assert counted == 0

AVGPOOL_CASES = [
    ((3, 8, 8), {"k": 2, "s": 2}),
    ((3, 9, 9), {"k": 3, "s": 1, "p": 1}),
    ((3, 9, 9), {"k": 3, "s": 1, "p": 1, "count_include_pad": False}),
    ((3, 7, 7), {"k": 3, "s": 2, "p": 1, "ceil": True}),
    ((3, 7, 7), {"k": 3, "s": 2, "p": 1, "ceil": True, "count_include_pad": False}),
    ((3, 6, 6), {"k": 3, "s": 2, "p": 1, "ceil": True}),  # ceil window clipped at the edge
    ((3, 10, 5), {"k": [3, 2], "s": [3, 2], "ceil": True}),
    ((3, 5, 5), {"k": 5}),
]


@needs_torch
@pytest.mark.parametrize("shape,args", AVGPOOL_CASES)
def test_avgpool_matches_torch(shape, args):
    y, counted, xs, _, _ = run_op("avgpool", args, [shape])
    ref = F.avg_pool2d(t(xs[0]), args["k"], args.get("s"), args.get("p", 0),
                       ceil_mode=args.get("ceil", False),
                       count_include_pad=args.get("count_include_pad", True))
    close(y, ref)
    assert counted == 0


@needs_torch
@pytest.mark.parametrize("shape,out", [((3, 7, 7), 3), ((3, 10, 13), [4, 5]), ((2, 5, 5), 7),
                                       ((2, 13, 13), 6), ((2, 1, 1), 1)])
def test_adaptive_avgpool_matches_torch(shape, out):
    y, _, xs, _, _ = run_op("adaptive_avgpool", {"out": out}, [shape])
    close(y, F.adaptive_avg_pool2d(t(xs[0]), out))


@needs_torch
def test_gap_matches_torch():
    y, _, xs, _, _ = run_op("gap", {}, [(4, 5, 3)])
    close(y, F.adaptive_avg_pool2d(t(xs[0]), 1))
    close(y, t(xs[0]).mean(dim=(2, 3), keepdim=True))
