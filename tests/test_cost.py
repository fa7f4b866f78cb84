"""The cost record: field-wise sums, frozen, symbolic sums through one sympy Add."""

from __future__ import annotations

import pytest

from cnncost import Cost
from cnncost.cost import FIELDS


def test_add_is_field_wise_and_total_equals_repeated_add():
    a = Cost(params=23_296, macs=72_855_552, activation_bytes=802_816, other_ops=200_704)
    b = Cost(params=0, macs=0, activation_bytes=186_624, other_ops=373_248)
    s = a + b
    assert (s.params, s.macs, s.activation_bytes, s.buffers, s.other_ops) == (
        23_296, 72_855_552, 802_816 + 186_624, 0, 200_704 + 373_248)
    assert Cost.total([a, b, a]) == a + b + a and Cost.total([]) == Cost()
    assert s.flops == 2 * 72_855_552


def test_frozen_and_json_order():
    c = Cost(params=1)
    with pytest.raises(AttributeError):
        c.params = 2  # type: ignore[misc]
    with pytest.raises(TypeError):  # a record, not a sequence to repeat or concatenate
        c * 2  # type: ignore[operator]
    with pytest.raises(TypeError):
        c + (1, 2)  # type: ignore[operator]
    # the column order of report JSON and CSV
    assert FIELDS == ("params", "macs", "activation_bytes", "buffers", "other_ops", "backward_macs",
                      "backward_other_ops")
    assert list(c.as_dict()) == list(FIELDS)


def test_symbolic_total():
    sympy = pytest.importorskip("sympy")
    h = sympy.Symbol("H", positive=True, integer=True)
    t = Cost.total([Cost(macs=3 * h), Cost(macs=4 * h), Cost(macs=5)])
    assert t.macs == 7 * h + 5
