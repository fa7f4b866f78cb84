"""The console script's exit (cli/__init__.py: run): read-only commands skip the interpreter's
teardown once their output is flushed; the output, the exit code and a closed pipe behave as
a normal exit does."""

from __future__ import annotations

import subprocess
import sys

RUN = [sys.executable, "-c", "from cnncost.cli import run; run()"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=120)


def test_a_report_is_complete_and_exits_0():
    out = _run("report", "resnet18", "--format", "json")
    assert out.returncode == 0 and out.stderr == ""
    import json

    assert json.loads(out.stdout)["totals"]["params"] == 11_689_512  # torchvision's resnet18


def test_errors_keep_exit_code_2_and_their_line():
    out = _run("report", "no_such_model")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("cnncost: error: unknown model 'no_such_model'")


def test_a_closed_pipe_ends_quietly():
    """`cnncost report resnet152 | head -1`: the reader goes away; no traceback, no
    'Exception ignored' from a failed flush at exit."""
    proc = subprocess.Popen([*RUN, "report", "resnet152"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert first.startswith("resnet152")
    assert "Traceback" not in err and "Exception ignored" not in err


def test_fast_exit_only_for_read_only_commands(monkeypatch):
    from cnncost import cli

    for argv, fast in ((["cnncost", "report", "vgg16"], True), (["cnncost", "--debug", "fit"], True),
                       (["cnncost", "sweep", "resnet50"], False), (["cnncost", "embed", "x.md"], False),
                       (["cnncost"], False), (["cnncost", "--help"], False)):
        monkeypatch.setattr(sys, "argv", argv)
        monkeypatch.setattr(sys, "gettrace", lambda: None)  # as in a plain run, not under pytest-cov
        assert cli._can_exit_fast() is (fast and "coverage" not in sys.modules), argv
