"""``cnncost sweep``: params, MACs and activation memory over a grid of settings and inputs.

The grid is the product of every ``--set K=V1,V2,...`` (in the order given) and the ``--input``
list; the last axis varies fastest. Values are split at top-level commas only, so
``--set depths=[3,4,6,3],[3,4,23,3]`` is two values and ``make_divisible(40, 8)`` stays one.

>>> split_values("[3,4,6,3],[3,8,36,3], 7")
['[3,4,6,3]', '[3,8,36,3]', '7']
"""

from __future__ import annotations

import itertools
import sys
import time
from typing import Annotated, Any, Optional

import typer

from ..render.sweep import render_sweep
from ..render.text import FORMATS
from .app import app, emit
from .options import Batch, Dtype, Exact, Format, Symbolic, check_format

MAX_POINTS = 1_000_000  # hard limit, even with --max-points
DEFAULT_MAX_POINTS = 10_000  # without --max-points (about half a minute of resnet50 points)
PROGRESS_MIN_POINTS = 20
PARALLEL_MIN_POINTS = 16  # per worker: fewer points run in this process (a pool costs ~20 ms)
_OPEN, _CLOSE = "([{", ")]}"


def split_values(text: str) -> list[str]:
    """Split at commas outside brackets/parentheses; refuse empty items and unbalanced text."""
    from ..errors import CnnCostError

    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                raise CnnCostError(f"unbalanced {ch!r} in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise CnnCostError(f"unclosed bracket in {text!r}")
    parts.append(text[start:])
    parts = [p.strip() for p in parts]
    if not all(parts):
        raise CnnCostError(f"empty value in {text!r}")
    return parts


def parse_axes(sets: list[str] | None) -> list[tuple[str, list[str]]]:
    """``["depths=[2,2,2,2],[3,4,6,3]", "classes=10"]`` -> ``[(key, [value texts]), ...]``."""
    from ..spec.bindings import set_pairs

    pairs = set_pairs(sets, "KEY=V1,V2,...", "; list all its values in one --set")
    return [(key, split_values(values)) for key, values in pairs]


def input_values(inputs: list[str] | None, channels: Any) -> list[str | None]:
    """The ``--input`` axis: ``CxHxW`` items, or a bare size ``S`` meaning ``{channels}xSxS``."""
    if not inputs:
        return [None]
    out: list[str | None] = []
    for item in inputs:
        for value in split_values(item):
            out.append(value if "x" in value else f"{channels}x{value}x{value}")
    return out


def grid(axes: list[tuple[str, list[str]]], inputs: list[str | None],
         max_points: int = DEFAULT_MAX_POINTS) -> list[tuple]:
    """Every point: (dict of set texts, input text); the last axis varies fastest."""
    from ..errors import CnnCostError

    if not 1 <= max_points <= MAX_POINTS:
        raise CnnCostError(f"--max-points must be from 1 to {MAX_POINTS:,}, got {max_points:,}")
    size = len(inputs)
    for _, values in axes:
        size *= len(values)
    if size > max_points:
        hint = f"; raise --max-points (up to {MAX_POINTS:,})" if size <= MAX_POINTS else ""
        raise CnnCostError(f"the sweep has {size:,} points, over the limit of {max_points:,}"
                           + hint)
    keys = [k for k, _ in axes]
    return [(dict(zip(keys, combo[:-1])), combo[-1])
            for combo in itertools.product(*[v for _, v in axes], inputs)]


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


def point_row(spec: Any, point: tuple, batch: Any, dtype: str, symbolic: bool) -> dict[str, Any]:
    """One point's row: its settings, input, output shape and totals, or its error text."""
    from ..api import analyze
    from ..errors import CnnCostError
    from ..render.text import csv_shape

    sets, inp = point
    row: dict[str, Any] = {"set": sets, "input": inp}
    try:
        report = analyze(spec, input=inp, batch=batch, dtype=dtype, set=sets, symbolic=symbolic)
    except CnnCostError as exc:
        row.update(output=None, params=None, macs=None, activation_bytes=None, error=str(exc))
    else:
        t = report.totals
        row.update(input=csv_shape(report.input),
                   output=csv_shape(report.rows[-1].output) if report.rows else "",
                   params=t.params, macs=t.macs, activation_bytes=t.activation_bytes, error=None)
    return row


def run_sweep(model: Any, points: list[tuple], batch: Any = "1", dtype: str = "fp32",
              symbolic: bool = False, keep_going: bool = False,
              progress: bool | None = False, workers: int = 1) -> list[dict[str, Any]]:
    """Analyze every point; one dict per point with its settings, input, totals (and error).
    ``workers`` > 1 spreads the points over that many processes (same rows, same order)."""
    from ..errors import CnnCostError
    from ..spec.schema import Spec
    from ..spec.zoo import load_spec

    spec = model if isinstance(model, Spec) else load_spec(model)
    bar = Progress(len(points), progress)
    options = {"spec": spec, "batch": batch, "dtype": dtype, "symbolic": symbolic}
    workers = min(workers, len(points) // PARALLEL_MIN_POINTS)
    if workers > 1:
        from .parallel import imap_points

        rows = imap_points(point_row, points, options, workers)
    else:
        rows = (point_row(point=p, **options) for p in points)
    out: list[dict[str, Any]] = []
    try:
        for done, row in enumerate(rows, 1):
            if row["error"] and not keep_going:
                sets, inp = points[done - 1]
                where = ", ".join([f"{k}={v}" for k, v in sets.items()]
                                  + ([f"input={inp}"] if inp else []))
                raise CnnCostError(f"at {where or 'the default point'}: {row['error']}")
            out.append(row)
            bar.update(done)
    except KeyboardInterrupt:
        bar.interrupted()
        raise
    finally:
        rows.close()  # stops the workers (an error, Ctrl-C) before anything goes up
    return out


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
        from .parallel import default_workers

        workers = default_workers()
    rows = run_sweep(spec, points, batch, dtype, symbolic, keep_going, progress, workers)
    note = (f"{spec.name} · {len(rows)} points · batch {batch} · {dtype} · activation = sum of "
            "layer outputs")
    emit(render_sweep(rows, [k for k, _ in axes], fmt, exact, note))
    if any(r["error"] for r in rows):
        raise typer.Exit(1)
