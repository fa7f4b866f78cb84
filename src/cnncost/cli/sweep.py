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

from ..render.text import FORMATS
from .app import app, emit
from .options import Batch, Dtype, Exact, Format, Symbolic, check_format

MAX_POINTS = 1_000_000
PROGRESS_MIN_POINTS = 20
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


def grid(axes: list[tuple[str, list[str]]], inputs: list[str | None]) -> list[tuple]:
    """Every point: (dict of set texts, input text); the last axis varies fastest."""
    from ..errors import CnnCostError

    size = len(inputs)
    for _, values in axes:
        size *= len(values)
    if size > MAX_POINTS:
        raise CnnCostError(f"the sweep has {size:,} points, over the limit of {MAX_POINTS:,}")
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


def run_sweep(model: Any, points: list[tuple], batch: Any = "1", dtype: str = "fp32",
              symbolic: bool = False, keep_going: bool = False,
              progress: bool | None = False) -> list[dict[str, Any]]:
    """Analyze every point; one dict per point with its settings, input, totals (and error)."""
    from ..api import analyze
    from ..errors import CnnCostError
    from ..render.text import csv_shape
    from ..spec.schema import Spec
    from ..spec.zoo import load_spec

    spec = model if isinstance(model, Spec) else load_spec(model)
    bar = Progress(len(points), progress)
    out: list[dict[str, Any]] = []
    for done, (sets, inp) in enumerate(points, 1):
        row: dict[str, Any] = {"set": sets, "input": inp}
        try:
            report = analyze(spec, input=inp, batch=batch, dtype=dtype, set=sets,
                             symbolic=symbolic)
        except CnnCostError as exc:
            where = ", ".join([f"{k}={v}" for k, v in sets.items()]
                              + ([f"input={inp}"] if inp else []))
            if not keep_going:
                raise CnnCostError(f"at {where or 'the default point'}: {exc}") from None
            row.update(output=None, params=None, macs=None, activation_bytes=None,
                       error=str(exc))
        else:
            t = report.totals
            row.update(input=csv_shape(report.input),
                       output=csv_shape(report.rows[-1].output) if report.rows else "",
                       params=t.params, macs=t.macs, activation_bytes=t.activation_bytes,
                       error=None)
        out.append(row)
        bar.update(done)
    return out


def _headers(keys: list[str]) -> list[str]:
    return [*keys, "input", "output", "params", "MACs", "activation"]


def render_sweep(rows: list[dict[str, Any]], keys: list[str], fmt: str, exact: bool,
                 note: str) -> str:
    """The sweep in one of FORMATS; json and csv carry exact integers (or expressions)."""
    from ..render.text import fmt_bytes, fmt_count, fmt_exact, jsonable, tabular

    errors = any(r["error"] for r in rows)
    if fmt == "json":
        import json

        return json.dumps(jsonable([{**r["set"], "input": r["input"], "output": r["output"],
                                     "params": r["params"], "macs": r["macs"],
                                     "activation_bytes": r["activation_bytes"],
                                     **({"error": r["error"]} if errors else {})}
                                    for r in rows]), indent=2)
    if fmt == "csv":
        from ..render.text import csv_text

        return csv_text([*keys, "input", "output", "params", "macs", "activation_bytes",
                         *(["error"] if errors else [])],
                        [[*(r["set"][k] for k in keys), r["input"] or "", r["output"] or "",
                          *("" if r[f] is None else str(r[f])
                            for f in ("params", "macs", "activation_bytes")),
                          *([r["error"] or ""] if errors else [])] for r in rows])
    count = fmt_exact if exact else fmt_count
    size = fmt_exact if exact else fmt_bytes
    headers = _headers(keys) + (["error"] if errors else [])
    cells = []
    for r in rows:
        line = [*(r["set"][k] for k in keys), r["input"] or "", r["output"] or ""]
        line += ["-", "-", "-"] if r["error"] else [count(r["params"]), count(r["macs"]),
                                                   size(r["activation_bytes"])]
        cells.append(line + ([r["error"] or ""] if errors else []))
    return tabular(headers, cells, fmt, note=note, title="cnncost sweep" if fmt == "html" else "")


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
) -> None:
    """Totals (params, MACs, activation memory) over the product of --set values and inputs."""
    from ..spec.zoo import load_spec

    check_format(fmt, FORMATS)
    axes = parse_axes(set)
    spec = load_spec(model)
    points = grid(axes, input_values(input, spec.input[0]))
    rows = run_sweep(spec, points, batch, dtype, symbolic, keep_going, progress)
    note = (f"{spec.name} · {len(rows)} points · batch {batch} · {dtype} · activation = sum of "
            "layer outputs")
    emit(render_sweep(rows, [k for k, _ in axes], fmt, exact, note))
    if any(r["error"] for r in rows):
        raise typer.Exit(1)
