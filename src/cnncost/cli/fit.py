"""``cnncost fit`` (will a model fit on a GPU, and with what batch) and ``cnncost gpus``."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Annotated, Optional

import typer

from .app import app, emit
from .importcmd import SkipUnknown
from .options import Dtype, Exact, Format, Input, Set, check_format

FORMATS = ("table", "markdown", "json", "csv", "html")
NOTES = {
    "weights": "parameters ({w}){amp}",
    "buffers": "BN running statistics",
    "gradients": "one per parameter",
    "optimizer_state": "{opt}",
    "activations": "{act}",
    "transient": "forward/backward peak above the saved tensors",
    "workspace": "cuDNN scratch of the largest conv step + cuBLAS workspace",
    "overhead": "CUDA context + 5% allocator reserve",
}


def _size(n: int, exact: bool) -> str:
    from ..render.report import fmt_bytes

    return f"{n:,} B" if exact else fmt_bytes(n)


def _rows(r, exact: bool) -> list[list[str]]:
    from ..analysis.memory import OPTIMIZER_SLOTS

    slots = OPTIMIZER_SLOTS.get(r.optimizer or "", 0)
    act = ("kept for backward, whole batch" if r.mode == "train"
           else "peak of live tensors, input included")
    notes = {k: v.format(w="fp32" if r.amp else r.dtype, amp=" + 16-bit copies" if r.amp else "",
                         opt=f"{r.optimizer}: {slots}x weights", act=act)
             for k, v in NOTES.items()}
    rows = [[k, _size(v, exact), f"{100 * v / r.total_bytes:.1f}%", notes[k]]
            for k, v in r.breakdown.items() if v or k in ("weights", "activations")]
    rows.append(["total", _size(r.total_bytes, exact), "100.0%", ""])
    return rows


def _verdict(r, exact: bool) -> list[str]:
    cap = _size(r.capacity_bytes, exact)
    if r.fits:
        first = (f"FITS: {_size(r.total_bytes, exact)} of {cap} "
                 f"(margin {_size(r.margin_bytes, exact)})")
    else:
        first = (f"DOES NOT FIT: needs {_size(r.total_bytes, exact)}, has {cap} "
                 f"(short by {_size(-r.margin_bytes, exact)})")
    best = (f"largest batch that fits: {r.max_batch}" if r.max_batch
            else "not even batch 1 fits")
    return [first, best]


def render_fit(r, fmt: str, exact: bool = False) -> str:
    """A :class:`cnncost.analysis.memory.FitResult` in one of FORMATS."""
    from tabulate import tabulate

    if fmt == "json":
        return json.dumps(r.to_dict(), indent=2)
    head = ["item", "bytes", "share", "what"]
    rows = _rows(r, exact)
    title = (f"{r.model} on {r.gpu} · {r.mode} · batch {r.batch} · input "
             f"{'x'.join(map(str, r.input))} · {'amp' if r.amp else r.dtype}"
             + (f" · optimizer {r.optimizer}" if r.optimizer else ""))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["item", "bytes"])
        for k, v in r.breakdown.items():
            writer.writerow([k, v])
        writer.writerow(["total", r.total_bytes])
        writer.writerow(["capacity", r.capacity_bytes])
        writer.writerow(["fits", str(r.fits).lower()])
        writer.writerow(["max_batch", r.max_batch])
        return buf.getvalue().rstrip("\n")
    if fmt == "html":
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in rows)
        verdict = "".join(f"<p>{html.escape(v)}</p>" for v in _verdict(r, exact))
        return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                f"{html.escape(title)}</title></head><body>\n<h1>{html.escape(title)}</h1>"
                f"{verdict}<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
                + f"</tr></thead><tbody>{body}</tbody></table>\n</body></html>")
    md = fmt == "markdown"
    table = tabulate(rows, headers=head, tablefmt="github" if md else "simple",
                     colalign=("left", "right", "right", "left"), disable_numparse=True)
    lines = [f"**{title}**" if md else title, "", *_verdict(r, exact), "", table]
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


Model = Annotated[str, typer.Argument(help="bundled model name or spec file path")]
Gpu = Annotated[Optional[str], typer.Option("--gpu", "-g", help="GPU from `cnncost gpus`")]
Memory = Annotated[Optional[str],
                   typer.Option("--memory", help="device memory instead of --gpu, e.g. 12GiB")]
FitBatch = Annotated[int, typer.Option("--batch", "-b", help="batch size N")]
FitTrain = Annotated[bool, typer.Option("--train", help="a training step instead of inference")]
Optimizer = Annotated[str, typer.Option("--optimizer", help="sgd, momentum, adam or adamw")]
Amp = Annotated[bool, typer.Option(
    "--amp", help="mixed precision: 16-bit activations, fp32 master weights")]


@app.command()
def fit(
    model: Model, gpu: Gpu = None, memory: Memory = None, batch: FitBatch = 1,
    train: FitTrain = False, optimizer: Optimizer = "momentum", dtype: Dtype = "fp32",
    amp: Amp = False, input: Input = None, set: Set = None, fmt: Format = "table",
    exact: Exact = False, skip_unknown: SkipUnknown = False,
) -> None:
    """Will the model fit on the GPU? A verdict, a breakdown and the largest batch that fits."""
    from ..api import fit as fit_model
    from ..spec.zoo import set_skip_unknown

    check_format(fmt, FORMATS)
    set_skip_unknown(skip_unknown)
    emit(render_fit(fit_model(model, gpu=gpu, memory=memory, batch=batch, train=train,
                              optimizer=optimizer, dtype=dtype, amp=amp, input=input, set=set),
                    fmt, exact))


GPU_HEADERS = ["gpu", "title", "memory", "GB/s", "FP32 TFLOPS", "FP16 TFLOPS", "BF16 TFLOPS",
               "source"]


@app.command("gpus")
def list_gpus(fmt: Format = "table") -> None:
    """The GPU catalog: memory, bandwidth, peak FP32/FP16/BF16 throughput and the source."""
    from tabulate import tabulate

    from ..analysis.memory import gpus
    from ..render.report import fmt_bytes

    check_format(fmt, FORMATS)
    cat = gpus()
    if fmt == "json":
        emit(json.dumps([{"gpu": k, **v} for k, v in cat.items()], indent=2))
        return
    rows = [[k, v["title"], fmt_bytes(v["memory"]), v["bandwidth"], v["fp32"],
             "-" if v["fp16"] is None else v["fp16"], "-" if v["bf16"] is None else v["bf16"],
             v["source"]] for k, v in cat.items()]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["gpu", "title", "memory_bytes", "bandwidth_gbs", "fp32_tflops",
                         "fp16_tflops", "bf16_tflops", "source"])
        for k, v in cat.items():
            writer.writerow([k, v["title"], v["memory"], v["bandwidth"], v["fp32"], v["fp16"],
                             v["bf16"], v["source"]])
        emit(buf.getvalue().rstrip("\n"))
        return
    if fmt == "html":
        emit(tabulate(rows, headers=GPU_HEADERS, tablefmt="html"))
        return
    emit(tabulate(rows, headers=GPU_HEADERS, tablefmt="github" if fmt == "markdown" else "simple",
                  maxcolwidths=[None, 28, None, None, None, None, None, 50]))
