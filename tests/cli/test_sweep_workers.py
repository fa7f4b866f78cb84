"""``cnncost sweep --workers N``: the same rows in the same order as one process, errors named
by the first failing point, and a clean Ctrl-C (exit 130, one line, no worker left)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cnncost.analysis.sweep import PARALLEL_MIN_POINTS, grid, input_values, parse_axes, run_sweep

TINY = """cnncost: 1
name: tiny
input: [3, H, W]
symbols: {H: {default: 8}, W: {default: 8}}
params: {c: 4}
layers:
  - conv: {c: c, k: 3, p: 1}
  - relu
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


def _points(n_sizes: int) -> list[tuple]:
    return grid(parse_axes(["c=1,2,3,4"]), input_values([",".join(
        str(s) for s in range(4, 4 + n_sizes))], 3))


def test_workers_give_the_same_rows_in_the_same_order(tiny):
    points = _points(2 * PARALLEL_MIN_POINTS)  # enough for 2 workers
    one = run_sweep(tiny, points)
    two = run_sweep(tiny, points, workers=2)
    assert two == one
    for row, (sets, _) in zip(two, points):  # hand arithmetic: c*27 + c params, 'same' conv
        c, s = int(sets["c"]), int(row["input"].split("x")[1])
        assert row["params"] == c * 27 + c and row["macs"] == c * s * s * 27


def test_workers_report_the_first_failing_point(tiny):
    points = grid(parse_axes(["c=1,2"]), [f"3x{s}x8" for s in [*range(1, 30), 0, -1, *range(40, 60)]])
    from cnncost.errors import CnnCostError

    with pytest.raises(CnnCostError) as one:
        run_sweep(tiny, points)
    with pytest.raises(CnnCostError) as two:
        run_sweep(tiny, points, workers=2)
    assert str(two.value) == str(one.value) and "c=1, input=3x0x8" in str(one.value)
    kept = run_sweep(tiny, points, keep_going=True, workers=2)
    assert kept == run_sweep(tiny, points, keep_going=True)
    assert [r["input"] for r in kept if r["error"]] == ["3x0x8", "3x-1x8"] * 2


def test_workers_option(cli, tiny):
    code, _, err = cli("sweep", tiny, "--workers", "0")
    assert code == 2 and "--workers must be at least 1" in err
    sizes = ",".join(str(s) for s in range(4, 4 + 2 * PARALLEL_MIN_POINTS))
    outs = [cli("sweep", tiny, "--set", "c=1,2", "--input", sizes, "-f", "json", "-j", j)
            for j in ("1", "2")]
    assert outs[0][0] == outs[1][0] == 0 and json.loads(outs[0][1]) == json.loads(outs[1][1])


def test_ctrl_c_ends_the_sweep_and_its_workers_cleanly():
    # 9,600 points (under --max-points' 10,000): seconds of work at any speed, so the sweep is
    # still running when the interrupt comes
    widths = ",".join(str(8 * i) for i in range(1, 81))
    sizes = ",".join(str(s) for s in range(96, 576, 4))
    cmd = [sys.executable, "-c", "from cnncost.cli import run; run()", "sweep", "resnet50",
           "--set", f"width_per_group={widths}", "--input", sizes, "--workers", "2",
           "--progress", "-f", "csv"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the workers to be running
        kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        if len(kids.stdout.split()) >= 2:
            break
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: to the whole foreground group
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130
    assert "Traceback" not in err and err.rstrip().splitlines()[-1] == "cnncost: interrupted"
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
    assert left.stdout.split() == []
