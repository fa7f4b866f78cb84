"""A sweep: the cost totals of a model over a grid of settings and inputs (``cnncost sweep``
and the Python API).

The grid is the product of every ``--set K=V1,V2,...`` (in the order given) and the ``--input``
list; the last axis varies fastest. Values are split at top-level commas only, so
``--set depths=[3,4,6,3],[3,4,23,3]`` is two values and ``make_divisible(40, 8)`` stays one.
A point is ``(dict of set texts, input text)``; :func:`run_sweep` analyzes every point, in this
process or over worker processes (``parallel.py``), and returns one row per point, in order.

>>> split_values("[3,4,6,3],[3,8,36,3], 7")
['[3,4,6,3]', '[3,8,36,3]', '7']
>>> rows = run_sweep("resnet18", grid(parse_axes(["classes=10,1000"]), ["3x64x64"]))
>>> [(r["set"], r["params"]) for r in rows]
[({'classes': '10'}, 11181642), ({'classes': '1000'}, 11689512)]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

MAX_POINTS = 1_000_000  # hard limit, even with --max-points
DEFAULT_MAX_POINTS = 10_000  # without --max-points (about half a minute of resnet50 points)
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
              symbolic: bool = False, keep_going: bool = False, workers: int = 1,
              on_row: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Analyze every point; one dict per point with its settings, input, totals (and error).
    ``workers`` > 1 spreads the points over that many processes (same rows, same order);
    ``on_row(done)`` is called as each row arrives (a progress display)."""
    from ..errors import CnnCostError
    from ..spec.schema import Spec
    from ..spec.zoo import load_spec

    spec = model if isinstance(model, Spec) else load_spec(model)
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
            if on_row is not None:
                on_row(done)
    finally:
        rows.close()  # stops the workers (an error, Ctrl-C) before anything goes up
    return out
