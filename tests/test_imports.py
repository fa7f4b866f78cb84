"""The numeric path stays light: ``import cnncost`` plus a numeric report (API and CLI) never
imports sympy, numpy or torch. Each check runs in a fresh interpreter so that other tests'
imports cannot hide or fake a result."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = {"sympy", "mpmath", "numpy", "torch"}
PROBE = "import json, sys\n{body}\nprint(json.dumps(sorted(m for m in sys.modules if " \
        "m.split('.')[0] in {heavy!r})))\n"


def loaded_after(body: str) -> list[str]:
    """Top-level heavy modules present in sys.modules after running ``body`` in a subprocess."""
    code = PROBE.format(body=body, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_probe_detects_an_import():
    """The probe itself can fail: importing sympy shows up."""
    assert loaded_after("import sympy") != []


def test_import_and_numeric_api_report_skip_sympy_and_numpy():
    body = ("import cnncost\n"
            "r = cnncost.analyze('vgg16')\n"
            "assert r.totals.params == 138357544\n"
            "r.to_json(); r.to_markdown()")
    assert loaded_after(body) == []


def test_numeric_cli_report_skips_sympy_and_numpy():
    body = ("import contextlib, io\n"
            "from cnncost.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as buf:\n"
            "    assert main(['report', 'alexnet']) == 0\n"
            "assert 'features.0' in buf.getvalue()")
    assert loaded_after(body) == []


def test_symbolic_report_does_import_sympy():
    """The flip side: a symbolic input really takes the sympy path."""
    assert "sympy" in loaded_after("import cnncost\ncnncost.analyze('alexnet', input='3xHxW')")
