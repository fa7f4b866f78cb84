"""The refactor guard: every model's report/fit/check JSON equals the snapshot taken before the move.

The snapshot (``tests/data/snapshot.json.gz``, written by ``scripts/snapshot.py``) guards a
refactor; its values were validated independently (oracles, ledger) before it was taken. Models and
JSON fields added later are allowed; a changed or missing value fails.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "snapshot.py"
_spec = importlib.util.spec_from_file_location("cnncost_snapshot", _SCRIPT)
snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot)  # type: ignore[union-attr]

SNAP = snapshot.load()


@pytest.mark.parametrize("model", sorted(SNAP["models"]))
def test_model_outputs_unchanged(model):
    diffs = snapshot.differences(SNAP["models"][model], snapshot.model_outputs(model), model)
    assert not diffs, "\n".join(diffs[:20])


def test_ledger_check_unchanged():
    diffs = snapshot.check_differences(SNAP["check"], snapshot.run_cli(["check", "--format", "json"]))
    assert not diffs, "\n".join(diffs[:20])


def test_comparison_allows_additions_and_refuses_changes():
    old = {"a": [{"x": 1, "y": [2, 3]}], "b": "s"}
    assert snapshot.differences(old, {"a": [{"x": 1, "y": [2, 3], "new": 0}], "b": "s", "c": 1}) == []
    assert snapshot.differences(old, {"a": [{"x": 1, "y": [2, 4]}], "b": "s"}) == [".a[0].y[1]: 3 became 4"]
    assert snapshot.differences(old, {"a": [{"y": [2, 3]}], "b": "s"}) == [".a[0].x: missing"]
    assert snapshot.differences({"n": 1}, {"n": 1.0}) != []
