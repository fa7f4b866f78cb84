"""``cnncost list``, ``report`` and ``compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..render.text import FORMATS
from .app import app, emit
from .options import (Aux, AuxAlias, Backward, Batch, Depth, Dtype, Exact, Format, From, Input,
                      Only, Set, Symbolic, Until, aux_heads, check_format, split_types)
from .importcmd import SkipUnknown


@app.command("list")
def list_models(fmt: Format = "table") -> None:
    """List every bundled model by family: whose layout it follows (torchvision's, a paper's or a
    lecture's), its title and source."""
    from ..spec.zoo import load_spec, model_names

    check_format(fmt, FORMATS)
    specs = sorted((load_spec(name) for name in model_names()),
                   key=lambda s: (s.family.casefold(), s.name))
    columns = ["model", "family", "origin", "title", "source"]
    rows = [[s.name, s.family, s.origin, s.title or "", s.source or ""] for s in specs]
    if fmt == "json":
        import json

        emit(json.dumps([dict(zip(columns, row)) for row in rows], indent=2))
        return
    if fmt == "table":
        emit(_family_tables(rows))
        return
    from ..render.text import tabular

    if fmt == "markdown":  # for docs: the sources are long; csv, json and html keep them
        columns, rows = columns[:4], [row[:4] for row in rows]
    emit(tabular(columns, rows, fmt, title="cnncost bundled models" if fmt == "html" else ""))


def _family_tables(rows: list[list[str]]) -> str:
    """One short table per family, headed by the family and its count per origin."""
    from tabulate import tabulate

    families: dict[str, list[list[str]]] = {}
    for row in rows:
        families.setdefault(row[1], []).append(row)
    parts = []
    for family, group in families.items():
        origins = [o for o in ("torchvision", "paper", "lecture") if any(r[2] == o for r in group)]
        counts = ", ".join(f"{sum(r[2] == o for r in group)} {o}" for o in origins)
        table = tabulate([[r[0], r[2], r[3]] for r in group], headers=["model", "origin", "title"],
                         tablefmt="simple", maxcolwidths=[None, None, 72])
        parts.append(f"== {family} ({counts})\n{table}")
    total = ", ".join(f"{sum(r[2] == o for r in rows)} {o}" for o in ("torchvision", "paper",
                                                                       "lecture"))
    return "\n\n".join(parts) + f"\n\n{len(rows)} models in {len(families)} families: {total}"


@app.command()
def report(
    model: Annotated[str, typer.Argument(
        help="bundled model name, spec file or .onnx file; MODEL[FROM:UNTIL] analyzes a slice")],
    input: Input = None, batch: Batch = "1", dtype: Dtype = "fp32", set: Set = None,
    fmt: Format = "table", aux: Aux = False, train: AuxAlias = False, until: Until = None,
    start: From = None, only: Only = None, depth: Depth = None, exact: Exact = False,
    symbolic: Symbolic = False, skip_unknown: SkipUnknown = False, backward: Backward = False,
) -> None:
    """Per-layer output shapes, params, MACs and activation memory, with totals."""
    from ..api import analyze
    from ..render.report import render_report
    from ..spec.zoo import set_skip_unknown

    check_format(fmt, FORMATS)
    set_skip_unknown(skip_unknown)
    r = analyze(model, input=input, batch=batch, dtype=dtype, set=set, train=aux_heads(aux, train),
                start=start, until=until, only=split_types(only), depth=depth, symbolic=symbolic)
    r.backward = backward
    emit(render_report(r, fmt, exact))


@app.command()
def compare(
    models: Annotated[list[str], typer.Argument(
        help="two or more models or spec files, each optionally sliced: 'MODEL[FROM:UNTIL]'")],
    input: Input = None, batch: Batch = "1", dtype: Dtype = "fp32", set: Set = None,
    fmt: Format = "table", aux: Aux = False, train: AuxAlias = False, until: Until = None,
    start: From = None, only: Only = None, exact: Exact = False, symbolic: Symbolic = False,
    skip_unknown: SkipUnknown = False,
) -> None:
    """Totals of several models side by side, with ratios to the first."""
    from ..api import analyze
    from ..render.report import render_compare
    from ..spec.zoo import set_skip_unknown

    check_format(fmt, FORMATS)
    set_skip_unknown(skip_unknown)
    heads = aux_heads(aux, train)
    reports = [analyze(m, input=input, batch=batch, dtype=dtype, set=set, train=heads,
                       start=start, until=until, only=split_types(only), symbolic=symbolic)
               for m in models]
    emit(render_compare(reports, fmt, exact))
