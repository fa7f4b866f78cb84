"""The size budget of scripts/check_size.py: it passes on the package and it can fail."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_size.py"
_spec = importlib.util.spec_from_file_location("check_size", _SCRIPT)
check_size = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_size)  # type: ignore[union-attr]


def test_the_package_is_within_budget(capsys):
    assert check_size.main([]) == 0, capsys.readouterr().out


def test_long_modules_and_functions_are_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(check_size, "ROOT", tmp_path)
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "big.py").write_text("def f():\n" + body + "\n" + "\n" * 340)
    found, _ = check_size.problems([tmp_path / "big.py"])
    assert found == ["big.py: 402 lines (the budget is 400)",
                     "big.py::f: 62 lines (the budget is 60)"]
    monkeypatch.setattr(check_size, "ALLOW", {"big.py::f": "a data table", "big.py": "data"})
    found, used = check_size.problems([tmp_path / "big.py"])
    assert found == [] and used == {"big.py::f", "big.py"}
