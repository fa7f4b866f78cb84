"""``cnncost plot``: per-layer bar charts of memory, params and MACs (one model or several)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..render.text import FORMATS
from .app import app, emit
from .options import (Aux, AuxAlias, Batch, Depth, Dtype, Format, From, Input, Only, Set, Until,
                      aux_heads, check_format, split_types)


Roofline = Annotated[bool, typer.Option(
    "--roofline", help="a roofline chart of one model on --gpu (dtype fp32, tf32, fp16, bf16 "
                       "or amp)")]
PlotGpu = Annotated[Optional[str], typer.Option("--gpu", "-g", help="GPU for --roofline")]


@app.command()
def plot(
    output: Annotated[str, typer.Option("--output", "-o", help="FILE.svg, FILE.png or FILE.pdf")],
    models: Annotated[Optional[list[str]], typer.Argument(
        help="model(s) or spec file(s); several are drawn side by side on shared axes")] = None,
    metric: Annotated[str, typer.Option("--metric", "-m", help="memory, params, macs (comma-"
                                                               "separated) or all")] = "all",
    frontier: Annotated[bool, typer.Option(
        "--frontier", help="top-1 accuracy vs MACs of every torchvision weight in the ledger "
                           "(marker area = params, colour = family); takes no models")] = False,
    evolution: Annotated[bool, typer.Option(
        "--evolution", help="the ILSVRC winners' top-5 error by year beside their MACs, params "
                            "and depth; takes no models")] = False,
    input: Input = None, batch: Batch = "1", dtype: Dtype = "fp32", set: Set = None,
    fmt: Format = "table", aux: Aux = False, train: AuxAlias = False, until: Until = None,
    start: From = None, only: Only = None, depth: Depth = None, roofline: Roofline = False,
    gpu: PlotGpu = None,
) -> None:
    """Per-layer bar charts (layers along the depth of the network), like the lecture's
    AlexNet/VGG charts. Rows that are zero in every plotted metric are left out. With
    --frontier or --evolution: the ledger's accuracy charts instead; with --roofline: a roofline
    chart on --gpu.

    --format markdown prints an image link (for 'cnncost embed'); csv and json print the plotted
    numbers."""
    from ..errors import CnnCostError

    check_format(fmt, FORMATS)
    if frontier or evolution:
        if frontier and evolution:
            raise CnnCostError("choose one of --frontier and --evolution")
        if models:
            raise CnnCostError(f"--{'frontier' if frontier else 'evolution'} takes no models; "
                               f"got {' '.join(models)}")
        from .plot_ledger import ledger_chart

        ledger_chart("frontier" if frontier else "evolution", output, fmt)
        return
    if not models:
        raise CnnCostError("plot needs one or more models, or --frontier / --evolution")
    if roofline or gpu is not None:  # here --train is the training step, as in fit and time
        return _roofline(models, output, gpu, batch, dtype, train, input, set, fmt)
    _layer_charts(models, output, metric, fmt, dict(
        input=input, batch=batch, dtype=dtype, set=set, train=aux_heads(aux, train), start=start,
        until=until, only=split_types(only), depth=depth))


def _layer_charts(models: list[str], output: str, metric: str, fmt: str,
                  options: dict) -> None:
    """The per-layer bar charts of ``models`` and what ``fmt`` prints about them."""
    from ..api import analyze
    from .embedding import dry_run
    from ..render.plot import METRIC_INFO, check_suffix, metrics_of, plotted_rows, save

    chosen = metrics_of(metric)
    check_suffix(output)
    reports = [analyze(m, **options) for m in models]
    if not dry_run():  # 'cnncost embed --check' writes nothing
        save(reports, chosen, output)
    names = " vs ".join(r.model for r in reports)
    alt = f"{names}: per-layer {', '.join(METRIC_INFO[m][1] for m in chosen)}"
    attrs = [METRIC_INFO[m][0] for m in chosen]
    if fmt == "markdown":
        emit(f"![{alt}]({output})")
    elif fmt == "html":
        import html

        emit(f'<img src="{html.escape(output)}" alt="{html.escape(alt)}">')
    elif fmt in ("csv", "json"):
        data = [{"model": r.model, "name": row.name, "type": row.type,
                 **{a: getattr(row, a) for a in attrs}}
                for r in reports for row in plotted_rows(r, chosen)]
        if fmt == "json":
            import json

            emit(json.dumps({"file": output, "metrics": chosen, "layers": data}, indent=2))
        else:
            import csv
            import io

            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=["model", "name", "type", *attrs],
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(data)
            emit(buf.getvalue().rstrip("\n"))
    else:
        emit(f"wrote {output} ({alt})")


def _roofline(models: list[str], output: str, gpu: str | None, batch: str, dtype: str,
              train: bool, input: str | None, set: list[str] | None, fmt: str) -> None:
    """``plot --roofline MODEL --gpu NAME -o FILE``."""
    from ..api import predict_time
    from ..errors import CnnCostError
    from ..render.plot import check_suffix
    from ..render.roofline import save
    from ..spec.bindings import parse_value
    from .embedding import dry_run

    if gpu is None or len(models) != 1:
        raise CnnCostError("--roofline needs one model and --gpu NAME (see `cnncost gpus`)")
    check_suffix(output)
    r = predict_time(models[0], gpu, batch=parse_value(batch), dtype=dtype, train=train,
                input=input, set=set)
    if not dry_run():
        save(r, output)
    alt = f"{r.model} on {r.gpu}: roofline, one point per layer"
    if fmt == "markdown":
        emit(f"![{alt}]({output})")
    elif fmt == "html":
        import html

        emit(f'<img src="{html.escape(output)}" alt="{html.escape(alt)}">')
    elif fmt in ("json", "csv"):
        from .time import render_time

        emit(render_time(r, fmt))
    else:
        emit(f"wrote {output} ({alt})")
