"""The speed-ups of issue 10 change no output: the memoizing sympy printer prints exactly what
``str()`` prints, the one-model zoo lookup finds exactly what the full index finds, and the
lazily built size errors still say what they said."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.errors import CnnCostError
from cnncost.render.report import render_report, sym_str
from cnncost.spec.zoo import load_spec, zoo_entry, zoo_index


def _values(report):
    for row in report.rows:
        yield from row.output
        yield from (row.params, row.macs, row.activation_bytes, row.other_ops, row.buffers)
    t = report.totals
    yield from (t.params, t.macs, t.activation_bytes, t.other_ops, t.buffers)


@pytest.mark.parametrize("model", ["alexnet-paper", "resnet50", "googlenet"])
def test_memo_printer_matches_sympy_str(model):
    """Oracle: sympy's own str() of every value of a symbolic report."""
    report = cnncost.analyze(model, input="3xHxW")
    values = [v for v in _values(report) if not isinstance(v, int)]
    assert values, "the report should be symbolic"
    for v in values:
        assert sym_str(v) == str(v)


def test_memo_printer_floats_and_rationals():
    """A Float prints differently at top level and nested; both must match str()."""
    sympy = pytest.importorskip("sympy")
    h = sympy.Symbol("H", positive=True, integer=True)
    exprs = [sympy.Float(0.5), sympy.Float(0.5) * h + 1, sympy.Rational(1, 3) * h,
             sympy.floor(h / 2 - sympy.Rational(1, 2)) ** 2, -h, h - 1, sympy.Float(2.0) * h]
    for e in exprs + exprs:  # twice: the second pass is served from the memo
        assert sym_str(e) == str(e)
    assert sym_str(3) == "3"


def test_symbolic_table_matches_plain_printing():
    """The rendered table contains each layer's MACs exactly as str() prints them."""
    report = cnncost.analyze("resnet18", input="3xHxW")
    table = render_report(report, "table")
    for row in report.rows:
        if not isinstance(row.macs, int):
            assert str(row.macs) in table


def test_zoo_entry_agrees_with_the_full_index():
    index = zoo_index()
    assert index
    for name, entry in index.items():
        assert zoo_entry(name) == entry, name
    assert zoo_entry("no-such-model") is None


def test_unknown_model_still_suggests():
    with pytest.raises(CnnCostError, match="did you mean 'resnet152'"):
        load_spec("resnt152")


def test_size_errors_keep_their_messages():
    # AlexNet conv1 (k11, s4, p2) on 10x10: floor((10 + 4 - 11) / 4) + 1 = 1, so the first
    # 3x3/2 max-pool sees a 1x1 input: floor((1 - 3) / 2) + 1 = 0 outputs.
    with pytest.raises(CnnCostError, match="pool window 3x3 is larger than the padded input 1x1"):
        cnncost.analyze("alexnet", input="3x10x10")
    # On 5x5 the 11x11 kernel does not fit the padded 5 + 2 + 2 = 9.
    with pytest.raises(CnnCostError, match=r"kernel 11x11 \(dilation 1x1\) is larger than the "
                                           r"padded input 9x9"):
        cnncost.analyze("alexnet", input="3x5x5")
