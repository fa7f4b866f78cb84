"""A memory fit (:class:`cnncost.analysis.memory.FitResult`) and the GPU catalog as text."""

from __future__ import annotations

import html
import json
from typing import Any

from ..analysis.memory import OPTIMIZER_SLOTS
from .escape import md_cell
from .text import csv_text, fmt_bytes, html_page, html_table, tabular


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
    return f"{n:,} B" if exact else fmt_bytes(n)


def _rows(r, exact: bool) -> list[list[str]]:
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
    if fmt == "json":
        return json.dumps(r.to_dict(), indent=2)
    head = ["item", "bytes", "share", "what"]
    rows = _rows(r, exact)
    title = (f"{r.model} on {r.gpu} · {r.mode} · batch {r.batch} · input "
             f"{'x'.join(map(str, r.input))} · {'amp' if r.amp else r.dtype}"
             + (f" · optimizer {r.optimizer}" if r.optimizer else ""))
    if fmt == "csv":
        return csv_text(["item", "bytes"], [*r.breakdown.items(), ["total", r.total_bytes],
                                            ["capacity", r.capacity_bytes],
                                            ["fits", str(r.fits).lower()],
                                            ["max_batch", r.max_batch]])
    if fmt == "html":
        verdict = "".join(f"<p>{html.escape(v)}</p>" for v in _verdict(r, exact))
        return html_page(title, f"<h1>{html.escape(title)}</h1>{verdict}"
                                + html_table(head, rows))
    from tabulate import tabulate

    md = fmt == "markdown"
    table = tabulate(rows, headers=head, tablefmt="github" if md else "simple",
                     colalign=("left", "right", "right", "left"), disable_numparse=True)
    lines = [f"**{title}**" if md else title, "", *_verdict(r, exact), "", table]
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)


GPU_HEADERS = ["gpu", "title", "memory", "GB/s", "FP32 TFLOPS", "TF32 TFLOPS", "FP16 TFLOPS",
               "BF16 TFLOPS", "source"]
GPU_FIELDS = ["gpu", "title", "memory_bytes", "bandwidth_gbs", "fp32_tflops", "tf32_tflops",
              "fp16_tflops", "bf16_tflops", "source"]


def render_gpus(cat: dict[str, dict[str, Any]], fmt: str) -> str:
    """The GPU catalog in one of FORMATS (html: the shared page)."""
    if fmt == "json":
        return json.dumps([{"gpu": k, **v} for k, v in cat.items()], indent=2)
    if fmt == "csv":
        return csv_text(GPU_FIELDS, [[k, v["title"], v["memory"], v["bandwidth"], v["fp32"],
                                      v.get("tf32"), v["fp16"], v["bf16"], v["source"]]
                                     for k, v in cat.items()])
    rows = [[k, v["title"], fmt_bytes(v["memory"]), str(v["bandwidth"]), str(v["fp32"]),
             *("-" if v.get(p) is None else str(v[p]) for p in ("tf32", "fp16", "bf16")),
             v["source"]] for k, v in cat.items()]
    if fmt == "html":
        return tabular(GPU_HEADERS, rows, fmt, title="cnncost gpus")
    from tabulate import tabulate

    if fmt == "markdown":  # a Markdown cell is one line: wrapping would add rows
        return tabulate([[md_cell(c) for c in r] for r in rows], headers=GPU_HEADERS,
                        tablefmt="github")
    return tabulate(rows, headers=GPU_HEADERS, tablefmt="simple",
                    maxcolwidths=[None, 28, None, None, None, None, None, None, 50])
