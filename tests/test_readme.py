"""The README's Python examples run as doctests, and its embedded outputs are current."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_examples():
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_embedded_outputs_are_current(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli("embed", "--check", "README.md")
    assert code == 0, out + err
