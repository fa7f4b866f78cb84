"""The memoizing sympy printer prints exactly what sympy's str() prints, in every symbolic table."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.render.text import sym_str
from cnncost.render.report import render_report


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
