"""Per-layer bar charts of activation memory, params and MACs (the lecture's AlexNet/VGG charts).

Needs matplotlib (``pip install 'cnncost[plot]'``); nothing else in cnncost does. Figures are
drawn with matplotlib's object API on the Agg canvas (no pyplot, no global backend switch) and
saved deterministically (no timestamps, fixed SVG ids), so regenerated files only change when
the numbers do.

>>> r = __import__("cnncost").analyze("alexnet")
>>> [(row.name, row.type) for row in plotted_rows(r, METRICS)][:3]
[('features.0', 'conv'), ('features.2', 'maxpool'), ('features.3', 'conv')]
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..errors import CnnCostError

# metric -> (Row attribute, panel title, bar colour)
METRIC_INFO = {
    "memory": ("activation_bytes", "activation memory", "#4C72B0"),
    "params": ("params", "parameters", "#DD8452"),
    "macs": ("macs", "MACs (multiply-accumulates)", "#55A868"),
}
METRICS = tuple(METRIC_INFO)
SUFFIXES = (".svg", ".png", ".pdf")
MISSING = "plotting needs matplotlib, an optional extra: pip install 'cnncost[plot]'"


def metrics_of(choice: str) -> list[str]:
    """'all' -> every metric; 'memory,macs' -> those two (validated)."""
    if choice == "all":
        return list(METRICS)
    out = [m.strip() for m in choice.split(",") if m.strip()]
    for m in out:
        if m not in METRIC_INFO:
            raise CnnCostError(f"unknown --metric {m!r}; choose from {', '.join(METRICS)} or all")
    if not out:
        raise CnnCostError("--metric is empty")
    return out


def plotted_rows(report: Any, metrics: list[str] | tuple[str, ...]) -> list[Any]:
    """The rows with a non-zero value in at least one plotted metric (in-place ReLUs, views and
    dropout have none and would only add empty slots)."""
    if report.symbolic:
        raise CnnCostError("cannot plot a symbolic report; give a numeric --input and --batch")
    attrs = [METRIC_INFO[m][0] for m in metrics]
    return [r for r in report.rows if any(getattr(r, a) for a in attrs)]


def _scale(metric: str, peak: float) -> tuple[float, str]:
    if metric == "memory":
        units = [(2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"), (1, "B")]
    else:
        units = [(10**9, "G"), (10**6, "M"), (10**3, "K"), (1, "")]
    for scale, unit in units:
        if peak >= scale:
            return scale, unit
    return units[-1]


def _total_text(metric: str, total: Any) -> str:
    from .report import fmt_bytes, fmt_count

    return fmt_bytes(total) if metric == "memory" else fmt_count(total)


def _label(row: Any) -> str:
    last = row.name.rsplit(".", 1)[-1]
    plain = row.type in last or row.type.startswith("block(")  # rolled-up blocks: name only
    return row.name if plain else f"{row.name} ({row.type})"


def figure(reports: list[Any], metrics: list[str]) -> Any:
    """A matplotlib Figure: one row of panels per metric, one column per model, shared y."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CnnCostError(MISSING) from None

    series = [plotted_rows(r, metrics) for r in reports]
    if not any(series):
        raise CnnCostError("nothing to plot: every selected row is zero in the chosen metrics")
    most = max(len(s) for s in series)
    width = min(40.0, max(9.0, 0.34 * most + 2.0)) * len(reports)
    height = 2.2 * len(metrics) + 2.2
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(len(metrics), len(reports), squeeze=False, sharex="col", sharey="row")
    for i, metric in enumerate(metrics):
        attr, title, colour = METRIC_INFO[metric]
        peak = max((float(getattr(r, attr)) for s in series for r in s), default=0.0)
        scale, unit = _scale(metric, peak)
        for j, (report, rows) in enumerate(zip(reports, series)):
            ax = axes[i][j]
            values = [float(getattr(r, attr)) / scale for r in rows]
            bars = ax.bar(range(len(rows)), values, color=colour, width=0.75)
            if len(rows) <= 32:  # value labels while they fit; upright only for few bars
                ax.bar_label(bars, labels=[f"{v:.3g}" if v else "" for v in values],
                             fontsize=7 if len(rows) <= 14 else 6, padding=1,
                             rotation=0 if len(rows) <= 14 else 90)
            total = _total_text(metric, getattr(report.totals, attr))
            ax.set_title(f"{title} · total {total}", fontsize=10, loc="left")
            if j == 0:
                ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
            ax.margins(x=0.01, y=0.12)
            if i == len(metrics) - 1:
                ax.set_xticks(range(len(rows)), [_label(r) for r in rows], rotation=60,
                              ha="right", rotation_mode="anchor",
                              fontsize=8 if len(rows) <= 40 else 6)
        for j, report in enumerate(reports):
            axes[0][j].annotate(_heading(report), (0, 1), xycoords="axes fraction",
                                xytext=(0, 22), textcoords="offset points", fontsize=12,
                                fontweight="bold", va="bottom")
    return fig


def _heading(report: Any) -> str:
    from .report import fmt_shape

    return (f"{report.model} · input {fmt_shape(report.input)} · batch {report.batch} · "
            f"{report.dtype}")


def check_suffix(path: str | Path) -> str:
    """The output format from a file name (.svg, .png, .pdf), or a CnnCostError."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise CnnCostError(f"cannot plot to {suffix or 'a file without suffix'!r}; "
                           f"use {', '.join(SUFFIXES)}")
    return suffix


def render(reports: list[Any], metrics: list[str], suffix: str) -> bytes:
    """The chart as SVG, PNG or PDF bytes."""
    suffix = check_suffix("x" + suffix)
    return figure_bytes(figure(reports, metrics), suffix)


def figure_bytes(fig: Any, suffix: str) -> bytes:
    """A matplotlib Figure encoded deterministically (no dates, fixed SVG ids)."""
    from matplotlib import rc_context

    buf = io.BytesIO()
    fmt = check_suffix("x" + suffix)[1:]
    meta: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                            "png": {}}[fmt]
    with rc_context({"svg.hashsalt": "cnncost", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
    return buf.getvalue()


def write_chart(path: str | Path, make: Any) -> Path:
    """Write the bytes ``make(suffix)`` returns to ``path`` atomically (suffix picks the format)."""
    from ..cli.embedding import write_atomic

    path = Path(path)
    if not path.parent.is_dir():
        raise CnnCostError(f"no such folder: {path.parent}")
    data = make(check_suffix(path))
    if not (path.is_file() and path.read_bytes() == data):  # unchanged charts keep their mtime
        write_atomic(path, data)
    return path


def save(reports: list[Any], metrics: list[str], path: str | Path) -> Path:
    """Draw the chart and write it atomically to ``path`` (suffix picks the format)."""
    return write_chart(path, lambda suffix: render(reports, metrics, suffix))
