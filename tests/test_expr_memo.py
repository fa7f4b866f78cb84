"""The expression memo (expr.py): a memoised result is what a fresh evaluation gives, values of
equal hash but other types are kept apart, errors are never memoised, and the memo is bounded."""

from __future__ import annotations

import pytest

from cnncost import expr
from cnncost.errors import CnnCostError
from cnncost.expr import compile_expr


def test_hits_equal_fresh_evaluations_and_types_stay_apart():
    e = compile_expr("int(planes * width_per_group / 64) * groups")
    env = {"planes": 256, "width_per_group": 64, "groups": 1}
    assert e(env) == 256 and e(env) == 256  # the second call is a hit
    assert e({**env, "planes": 128}) == 128  # other values: evaluated
    half = compile_expr("x / 2")
    assert half({"x": 3}) == 1.5 and half({"x": 4}) == 2 and type(half({"x": 4})) is int
    assert type(half({"x": 4.0})) is float  # 4 == 4.0 (equal hashes), yet not a hit
    twice = compile_expr("x * 2")
    assert twice({"x": True}) == 2 and twice({"x": 1}) == 2 and twice({"x": 1.0}) == 2.0
    assert type(twice({"x": 1.0})) is float


def test_errors_are_raised_every_time_and_missing_names_named():
    e = compile_expr("a / b")
    for _ in range(2):
        with pytest.raises(CnnCostError, match="division by zero"):
            e({"a": 1, "b": 0})
    with pytest.raises(CnnCostError, match="unknown name 'b'"):
        e({"a": 1})
    assert e({"a": 6, "b": 3}) == 2


def test_lists_and_unhashable_values_are_not_memoised():
    e = compile_expr("len(xs) + 1")  # walks a list: never memoised
    assert e({"xs": [1, 2]}) == 3 and e({"xs": [1, 2, 3]}) == 4
    pick = compile_expr("xs[0] + 1")
    assert pick({"xs": [1]}) == 2 and pick({"xs": [5]}) == 6  # a list value: no key


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(expr, "MEMO_SIZE", 100)
    expr._MEMO.clear()
    e = compile_expr("x + 1")
    for x in range(1000):
        assert e({"x": x}) == x + 1
        assert len(expr._MEMO) <= 100
