"""The roofline chart of ``cnncost plot --roofline``: attainable FLOP/s against arithmetic
intensity, the GPU's compute and bandwidth roofs, and one point per layer (its FLOPs over its
predicted time, so the distance below the roof is what real kernels lose).

Needs matplotlib (an optional extra), drawn like :mod:`cnncost.render.plot` on the Agg canvas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import CnnCostError
from .plot import MISSING, check_suffix

#: point colour by what bounds the layer's ideal time (the optimizer step apart)
COLOURS = {"compute": "#4C72B0", "memory": "#55A868", "optimizer": "#C44E52"}


def figure(result: Any) -> Any:
    """A matplotlib Figure of one :class:`cnncost.analysis.timing.TimeResult`."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CnnCostError(MISSING) from None

    layers = [x for x in result.layers if x.flops > 0 and x.bytes > 0 and x.time_s > 0]
    if not layers:
        raise CnnCostError("nothing to plot: no layer does arithmetic")
    fig = Figure(figsize=(9.0, 6.0), layout="constrained")
    ax = fig.subplots()
    peak, bw = result.peak_flops, result.bandwidth
    lo = min(x.intensity for x in layers) / 2
    hi = max(max(x.intensity for x in layers) * 2, 4 * peak / bw)
    ridge = peak / bw
    ax.plot([lo, ridge, hi], [lo * bw, peak, peak], color="black", lw=1.5,
            label=f"roof: {peak / 1e12:.4g} TFLOP/s, {bw / 1e9:.4g} GB/s")
    seen: set[str] = set()
    for x in layers:
        kind = "optimizer" if x.name == "optimizer" else x.bound
        label = None if kind in seen else ("optimizer step" if kind == "optimizer"
                                           else f"{kind}-bound layers")
        seen.add(kind)
        ax.scatter(x.intensity, x.flops / x.time_s, s=14, alpha=0.75, color=COLOURS[kind],
                   label=label, edgecolors="none")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
    ax.set_ylabel("attained FLOP/s (predicted)")
    ax.set_title(f"{result.model} on {result.gpu} · {result.mode} · batch {result.batch} · "
                 f"{result.dtype}: ~{result.throughput_img_s:,.0f} img/s predicted, ideal "
                 f"{result.ideal_throughput_img_s:,.0f}", fontsize=10, loc="left")
    ax.grid(which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def save(result: Any, path: str | Path) -> Path:
    """Draw and write the chart (the suffix picks SVG, PNG or PDF)."""
    import io

    from ..cli.embedding import write_atomic

    path = Path(path)
    suffix = check_suffix(path)
    if not path.parent.is_dir():
        raise CnnCostError(f"no such folder: {path.parent}")
    fig = figure(result)
    from matplotlib import rc_context

    fmt = suffix[1:]
    meta: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                            "png": {}}[fmt]
    buf = io.BytesIO()
    with rc_context({"svg.hashsalt": "cnncost", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=150, metadata=meta)
    data = buf.getvalue()
    if not (path.is_file() and path.read_bytes() == data):
        write_atomic(path, data)
    return path
