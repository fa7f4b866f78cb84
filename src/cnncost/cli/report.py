"""``cnncost list``, ``report`` and ``compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import app, emit
from .options import (Aux, AuxAlias, Batch, Depth, Dtype, Exact, Format, From, Input, Only, Set,
                      Symbolic, Until, aux_heads, check_format, split_types)
from .importcmd import SkipUnknown

FORMATS = ("table", "markdown", "json", "csv", "html")


@app.command("list")
def list_models(fmt: Format = "table") -> None:
    """List every bundled model with its title and source."""
    from ..spec.zoo import load_spec, model_names

    check_format(fmt, FORMATS)
    specs = [load_spec(name) for name in model_names()]
    if fmt == "json":
        import json

        emit(json.dumps([{"model": s.name, "title": s.title, "source": s.source} for s in specs],
                        indent=2))
        return
    rows = [[s.name, s.title or "", s.source or ""] for s in specs]
    if fmt == "table":
        from tabulate import tabulate

        emit(tabulate(rows, headers=["model", "title", "source"], tablefmt="simple",
                      maxcolwidths=[None, 40, 70]))
        return
    from ..render.report import tabular

    emit(tabular(["model", "title", "source"], rows, fmt,
                 title="cnncost bundled models" if fmt == "html" else ""))


@app.command()
def report(
    model: Annotated[str, typer.Argument(
        help="bundled model name, spec file or .onnx file; MODEL[FROM:UNTIL] analyzes a slice")],
    input: Input = None, batch: Batch = "1", dtype: Dtype = "fp32", set: Set = None,
    fmt: Format = "table", aux: Aux = False, train: AuxAlias = False, until: Until = None,
    start: From = None, only: Only = None, depth: Depth = None, exact: Exact = False,
    symbolic: Symbolic = False, skip_unknown: SkipUnknown = False,
) -> None:
    """Per-layer output shapes, params, MACs and activation memory, with totals."""
    from ..api import analyze
    from ..render.report import render_report
    from ..spec.zoo import set_skip_unknown

    check_format(fmt, FORMATS)
    set_skip_unknown(skip_unknown)
    r = analyze(model, input=input, batch=batch, dtype=dtype, set=set, train=aux_heads(aux, train),
                start=start, until=until, only=split_types(only), depth=depth, symbolic=symbolic)
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
