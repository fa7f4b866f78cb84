"""Expressions that compute lists: log, range, len, slices and list comprehensions.

RegNet's widths and depths are computed in its spec from the design-space parameters with
these; every expected value here is hand arithmetic written in the test.
"""

from __future__ import annotations

import math

import pytest

from cnncost.errors import CnnCostError
from cnncost.expr import compile_expr


def ev(text: str, **env):
    return compile_expr(text)(env)


@pytest.mark.parametrize("text,expected", [
    ("range(4)", [0, 1, 2, 3]),
    ("range(2, 5)", [2, 3, 4]),
    ("range(10, 0, -3)", [10, 7, 4, 1]),
    ("range(0)", []),
    ("len([7, 8, 9])", 3),
    ("len(range(1024))", 1024),
    ("[i * i for i in range(5)]", [0, 1, 4, 9, 16]),
    ("[i for i in range(10) if i % 3 == 0]", [0, 3, 6, 9]),
    ("[i for i in range(10) if i > 2 if i < 5]", [3, 4]),
    ("[d + 1 for d in [3, 4, 6]]", [4, 5, 7]),
    ("[1, 2, 3, 4][1:]", [2, 3, 4]),
    ("[1, 2, 3, 4][:-1]", [1, 2, 3]),
    ("[1, 2, 3, 4][::2]", [1, 3]),
    ("[1, 2, 3, 4][::-1]", [4, 3, 2, 1]),
    ("round(log(8, 2))", 3),
    ("log(1)", 0.0),
    ("[x * 10 for x in range(3)][len(range(2))]", 20),
])
def test_values(text, expected):
    assert ev(text) == expected


def test_log_is_the_natural_log():
    assert ev("log(10)") == math.log(10)
    assert ev("log(100, 10)") == pytest.approx(2.0)


def test_comprehension_sees_the_environment_and_its_own_name_shadows_it():
    assert ev("[w * k for w in widths]", widths=[2, 3], k=10) == [20, 30]
    assert ev("[i for i in range(3)]", i=99) == [0, 1, 2]
    assert ev("[in.c * i for i in range(3)]", **{"in.c": 4}) == [0, 4, 8]


def test_loop_name_is_not_a_free_name():
    """Free names decide which --set names become symbols: the loop name is bound."""
    assert compile_expr("[w * k for w in widths if w > m]").names == {"widths", "k", "m"}


def test_regnet_block_widths_by_hand():
    """RegNetX-400MF (w0 24, wa 24.48, wm 2.54, depth 22): u_j = 24 + 24.48 j,
    s_j = round(log(u_j / 24) / log(2.54)), w_j = round(24 * 2.54 ** s_j / 8) * 8.
    j = 0: s 0, w 24; j = 1: u 48.48, log(2.02)/log(2.54) = 0.754 -> s 1, 24 * 2.54 = 60.96 -> 64;
    j = 3: u 97.44, log(4.06)/log(2.54) = 1.504 -> s 2, 24 * 6.4516 = 154.8 -> 19.35 -> 152;
    j = 9: u 244.3, log(10.18)/log(2.54) = 2.49 -> s 2; j = 10: u 268.8, 2.59 -> s 3,
    24 * 16.387 = 393.3 -> 49.2 -> 392."""
    text = "[round(w0 * wm ** round(log((j * wa + w0) / w0) / log(wm)) / 8) * 8 for j in range(d)]"
    widths = ev(text, w0=24, wa=24.48, wm=2.54, d=22)
    assert widths == [24] + [64] * 2 + [152] * 7 + [392] * 12


def test_round_is_half_to_even_like_torch_round():
    """RegNetX-1.6GF's second stage: 80 * 2.25 / 8 = 22.5 exactly; torch.round (and Python's
    round) give 22, so the width is 176 (torchvision's stage width 168 = make_divisible(176, 24))."""
    assert ev("round(80 * 2.25 / 8) * 8") == 176
    assert ev("round(23.5)") == 24
    assert ev("make_divisible(176, 24)") == 168


def test_stage_starts_and_depths_from_widths():
    widths = [24, 64, 64, 152, 152, 152]
    starts = ev("[j for j in range(len(w) + 1) if j == 0 or j == len(w) or w[j] != w[j - 1]]",
                w=widths)
    assert starts == [0, 1, 3, 6]
    assert ev("[s[i + 1] - s[i] for i in range(len(s) - 1)]", s=starts) == [1, 2, 3]
    assert ev("[w[j] for j in s[:-1]]", w=widths, s=starts) == [24, 64, 152]


@pytest.mark.parametrize("text,message", [
    ("range(1025)", "range() of 1,025 items is over the limit of 1,024"),
    ("range(0, 10**9)", "over the limit of 1,024"),
    ("range(1.5)", "range() needs whole numbers"),
    ("range(0, 5, 0)", "range() step must not be zero"),
    ("range(1, 2, 3, 4)", "range() takes 1 to 3 argument(s), got 4"),
    ("len(5)", "expected a list, got 5"),
    ("log(0)", "log() needs positive numbers"),
    ("log(-2)", "log() needs positive numbers"),
    ("log(8, 1)", "log() needs positive numbers (and a base other than 1)"),
    ("log([1])", "arithmetic needs numbers"),
    ("[i for i in 5]", "expected a list, got 5"),
    ("[i for i in range(3) for j in range(3)]", "a list comprehension takes one 'for'"),
    ("[[j for j in range(i)] for i in range(3)]", "list comprehensions do not nest"),
    ("[i for i in range(3) if [j for j in range(i)]]", "list comprehensions do not nest"),
    ("[a for (a, b) in [[1, 2]]]", "the loop variable must be a plain name"),
    ("[1, 2, 3][0.5:]", "slice bounds must be whole numbers"),
    ("[1, 2, 3][::0]", "slice step must not be zero"),
    ("(3)[1:]", "expected a list, got 3"),
    ("{i for i in range(3)}", "SetComp is not allowed"),
    ("(i for i in range(3))", "GeneratorExp is not allowed"),
    ("[i for i in range(3)] * 1000", "arithmetic needs numbers"),
    ("[k for k in range(3)][q]", "unknown name 'q'"),
])
def test_errors(text, message):
    with pytest.raises(CnnCostError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("*", r"\*")):
        ev(text)


def test_big_list_params_are_refused_where_they_would_be_walked():
    big = list(range(2000))
    for text in ("len(xs)", "[x for x in xs]", "xs[1:]", "min(xs)", "max(xs)"):
        with pytest.raises(CnnCostError, match="list of 2,000 items"):
            ev(text, xs=big)
    assert ev("xs[1999]", xs=big) == 1999  # plain indexing is unchanged


def test_one_evaluation_walks_a_bounded_number_of_items():
    """Each comprehension, slice, len, min and max counts the items it walks: 8 walks of 1,024
    items pass, a ninth is refused (the work of one evaluation stays bounded)."""
    eight = " + ".join(["len(range(1024))"] * 8)
    assert ev(eight) == 8 * 1024
    with pytest.raises(CnnCostError, match="walks more than 8,192 list items"):
        ev(eight + " + len(range(1))")
    with pytest.raises(CnnCostError, match="walks more than 8,192 list items"):
        ev("[min(xs) for x in xs]", xs=list(range(100)))
    assert ev("[min(xs) for x in xs]", xs=list(range(80))) == [0] * 80  # 80 + 80 * 80 items


def test_symbols():
    """log of a symbol stays symbolic; range, len and comprehension conditions need numbers."""
    sympy = pytest.importorskip("sympy")
    h = sympy.Symbol("H", positive=True, integer=True)
    assert ev("log(H)", H=h) == sympy.log(h)
    assert ev("[H * i for i in range(3)]", H=h) == [0, h, 2 * h]
    with pytest.raises(CnnCostError, match="range\\(\\) needs whole numbers"):
        ev("range(H)", H=h)
    with pytest.raises(CnnCostError, match="depends on symbols"):
        ev("[i for i in range(3) if i < H]", H=h)
