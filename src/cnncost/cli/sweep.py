"""``cnncost sweep``: params, MACs and activation memory over a grid of settings and inputs (the
grid and the work: analysis/sweep.py; here the options, the progress bar and the output)."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Optional

import typer

from ..analysis.sweep import (DEFAULT_MAX_POINTS, MAX_POINTS, PARALLEL_MIN_POINTS, grid,
                              input_values, parse_axes, run_sweep)
from ..render.sweep import render_sweep
from ..render.text import FORMATS
from .app import app, emit
from .options import Batch, Dtype, Exact, Format, Symbolic, check_format

PROGRESS_MIN_POINTS = 20


class Progress:
    """A one-line progress bar on stderr (only when asked, or on a terminal for long sweeps)."""

    def __init__(self, total: int, enabled: bool | None):
        if enabled is None:
            enabled = sys.stderr.isatty() and total >= PROGRESS_MIN_POINTS
        self.total, self.enabled, self.start, self.shown = total, enabled, time.perf_counter(), 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if not self.enabled or (done < self.total and now - self.shown < 0.1):
            return
        self.shown = now
        width = 30
        fill = width * done // self.total
        rate = done / max(now - self.start, 1e-9)
        sys.stderr.write(f"\rsweep [{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} "
                         f"({rate:,.0f}/s)")
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def interrupted(self) -> None:
        """End the bar's line, so that the interruption message starts on its own."""
        if self.enabled and self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


@app.command()
def sweep(
    model: Annotated[str, typer.Argument(help="bundled model name or spec file path")],
    set: Annotated[Optional[list[str]], typer.Option(
        "--set", "-s",
        help="a grid axis: K=V1,V2,... (commas inside [...] stay in a value)")] = None,
    input: Annotated[Optional[list[str]], typer.Option(
        "--input", "-i", help="input sizes: CxHxW,CxHxW,... or bare sizes S (= CxSxS)")] = None,
    batch: Batch = "1", dtype: Dtype = "fp32", fmt: Format = "table", exact: Exact = False,
    symbolic: Symbolic = False,
    keep_going: Annotated[bool, typer.Option(
        "--keep-going",
        help="record a failing point's error and go on (exit 1 at the end)")] = False,
    progress: Annotated[Optional[bool], typer.Option(
        "--progress/--no-progress", help="progress bar on stderr (default: on a terminal, "
        f"for {PROGRESS_MIN_POINTS}+ points)")] = None,
    max_points: Annotated[int, typer.Option(
        "--max-points", help=f"refuse grids over this many points (hard limit {MAX_POINTS:,})")]
        = DEFAULT_MAX_POINTS,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-j", help="processes to spread the points over (default: the cores; "
        f"a worker needs {PARALLEL_MIN_POINTS}+ points)")] = None,
) -> None:
    """Totals (params, MACs, activation memory) over the product of --set values and inputs."""
    from ..errors import CnnCostError
    from ..spec.zoo import load_spec

    check_format(fmt, FORMATS)
    axes = parse_axes(set)
    spec = load_spec(model)
    points = grid(axes, input_values(input, spec.input[0]), max_points)
    if workers is not None and workers < 1:
        raise CnnCostError(f"--workers must be at least 1, got {workers}")
    if workers is None:
        from ..analysis.parallel import default_workers

        workers = default_workers()
    bar = Progress(len(points), progress)
    try:
        rows = run_sweep(spec, points, batch, dtype, symbolic, keep_going, workers, bar.update)
    except KeyboardInterrupt:
        bar.interrupted()
        raise
    note = (f"{spec.name} · {len(rows)} points · batch {batch} · {dtype} · activation = sum of "
            "layer outputs")
    emit(render_sweep(rows, [k for k, _ in axes], fmt, exact, note))
    if any(r["error"] for r in rows):
        raise typer.Exit(1)
