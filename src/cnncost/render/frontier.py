"""Drawing the frontier chart (top-1 accuracy vs MACs, Canziani et al. 2016, Fig. 2 style) and the
ILSVRC evolution chart. Data come from ``frontier``; matplotlib's object API on the Agg canvas,
as in ``plot``.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import CnnCostError
from .plot import MISSING

LABEL_PT = 6.5            # label font size (points)
SIZE_LEGEND = (5e6, 50e6, 250e6)


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CnnCostError(MISSING) from None
    return Figure


def marker_area(params: int) -> float:
    """Scatter marker area in points² — proportional to the parameter count."""
    return 3.0 * params / 1e6


def _colours(families: list[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    # the strong colours first, then the light ones; the two greys last
    order = [0, 2, 4, 6, 8, 10, 12, 16, 18, 1, 3, 5, 7, 9, 11, 13, 17, 19, 14, 15]
    return {f: cmap(order[i % 20]) for i, f in enumerate(families)}


def _overlap(box: tuple[float, float, float, float], boxes: list[tuple]) -> float:
    """Total area ``box`` shares with ``boxes``."""
    x0, y0, x1, y1 = box
    return sum(max(0.0, min(x1, b[2]) - max(x0, b[0])) * max(0.0, min(y1, b[3]) - max(y0, b[1]))
               for b in boxes)


def _candidates(cx: float, cy: float, r: float, w: float, h: float, px: float) -> list[tuple]:
    """Label boxes around a marker, nearest first: 12 directions at growing distances."""
    out = []
    for step in (0.0, 1.0, 2.0, 3.2, 4.6, 6.2):
        gap = r + 2 * px + step * h
        for k in range(12):
            a = math.radians(30 * k)
            dx, dy = math.cos(a), math.sin(a)
            x = cx + dx * gap - (0 if dx > 0.3 else w if dx < -0.3 else w / 2)
            y = cy + dy * gap - (0 if dy > 0.3 else h if dy < -0.3 else h / 2)
            out.append(((x, y, x + w, y + h), step))
    return out


def _place_labels(ax: Any, points: list[Any], xy: list[tuple[float, float]]) -> None:
    """Greedy label placement in display coordinates: each label takes the nearest spot that
    overlaps no marker or earlier label and stays inside the axes (smallest markers first);
    where none is free, the spot with the least overlap. Far labels get a thin leader line."""
    px = ax.figure.dpi / 72.0
    frame = ax.get_window_extent()
    centres = ax.transData.transform(xy)
    radii = [math.sqrt(marker_area(p.params)) / 2 * px for p in points]
    taken = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii)]
    h = LABEL_PT * 1.2 * px
    inverse = ax.transData.inverted()
    for i in sorted(range(len(points)), key=lambda i: points[i].params):
        (cx, cy), r = centres[i], radii[i]
        w = len(points[i].label) * LABEL_PT * 0.56 * px
        inside = [(b, st) for b, st in _candidates(cx, cy, r, w, h, px)
                  if b[0] >= frame.x0 and b[2] <= frame.x1 and b[1] >= frame.y0
                  and b[3] <= frame.y1] or _candidates(cx, cy, r, w, h, px)[:1]
        free = [(b, st) for b, st in inside if _overlap(b, taken) == 0.0]
        box, step = free[0] if free else min(inside, key=lambda c: _overlap(c[0], taken))
        taken.append(box)
        anchor = inverse.transform((box[0], box[1] + 0.15 * h))
        arrow = ({"arrowstyle": "-", "color": "#888888", "lw": 0.4, "shrinkA": 0, "shrinkB": 0}
                 if step >= 2.0 else None)
        ax.annotate(points[i].label, xy[i], xytext=tuple(anchor), fontsize=LABEL_PT,
                    ha="left", va="bottom", color="#222222", annotation_clip=False,
                    arrowprops=arrow)


def frontier_figure(points: list[Any], skipped: list[str]) -> Any:
    """Top-1 accuracy against MACs (log x), marker area proportional to params."""
    if not points:
        raise CnnCostError("nothing to plot: no ledger weight with a recorded acc@1 names a "
                           "bundled model")
    fig = _figure_class()(figsize=(15, 10), layout="constrained")
    ax = fig.subplots()
    families = sorted({p.family for p in points}, key=str.casefold)
    colour = _colours(families)
    xy = [(p.macs / 1e9, p.acc1) for p in points]
    for family in families:
        mine = [(x, y, p) for (x, y), p in zip(xy, points) if p.family == family]
        ax.scatter([m[0] for m in mine], [m[1] for m in mine],
                   s=[marker_area(m[2].params) for m in mine], color=colour[family], alpha=0.6,
                   edgecolors="#333333", linewidths=0.4, label=family, zorder=2)
    ax.set_xscale("log")
    xs, ys = [x for x, _ in xy], [y for _, y in xy]
    ax.set_xlim(min(xs) / 1.6, max(xs) * 3.0)
    ax.set_ylim(math.floor(min(ys) - 2), math.ceil(max(ys) + 2))
    ax.set_xlabel("MACs per image (G, conv + linear multiply-accumulates at the weights' "
                  "evaluation crop; log scale)")
    ax.set_ylabel("ImageNet-1K top-1 accuracy (%)")
    ax.grid(True, which="both", alpha=0.25)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.canvas.draw()  # fixes the transforms the label placement measures in
    _place_labels(ax, points, xy)
    family_legend = ax.legend(loc="lower right", fontsize=8, title="family", markerscale=0.0001,
                              handletextpad=0.3, ncols=2)
    for handle in family_legend.legend_handles:
        handle.set_sizes([40])
    ax.add_artist(family_legend)
    sizes = [ax.scatter([], [], s=marker_area(int(n)), color="#bbbbbb", edgecolors="#333333",
                        linewidths=0.4) for n in SIZE_LEGEND]
    ax.legend(sizes, [f"{n / 1e6:g}M params" for n in SIZE_LEGEND], loc="upper left",
              fontsize=8, labelspacing=1.8, borderpad=1.0, handletextpad=1.6,
              title="marker area ∝ params")
    fig.suptitle(f"Accuracy vs. operations: {len(points)} torchvision ImageNet-1K weights",
                 fontsize=12, x=0.01, ha="left", fontweight="bold")
    ax.set_title("top-1 accuracy as recorded in torchvision 0.29's weight metadata; MACs and "
                 "params computed by cnncost from the specs at each weight's crop", fontsize=9,
                 loc="left", color="#444444")
    if skipped:
        fig.supxlabel(f"not drawn: {len(skipped)} weights of models this zoo does not bundle ("
                      + _shorten(skipped, 150) + ")", fontsize=7, color="#666666", x=0.01,
                      ha="left")
    return fig


def _shorten(names: list[str], limit: int = 400) -> str:
    text = ", ".join(n.split("_Weights")[0] + "." + n.rsplit(".", 1)[-1] for n in names)
    return text if len(text) <= limit else text[:limit].rsplit(", ", 1)[0] + ", …"


def evolution_figure(winners: list[Any]) -> Any:
    """ILSVRC winners by year: top-5 error beside one network's MACs, params and depth."""
    if not winners:
        raise CnnCostError("nothing to plot: the ledger has no top5_error entry with a year")
    fig = _figure_class()(figsize=(14, 5), layout="constrained")
    axes = fig.subplots(1, 4)
    ticks = [f"{w.year}\n{w.family or 'ensemble'}" for w in winners]
    panels = [("top-5 error (%)", "top5_error", 1, "{:g}%", "#C44E52"),
              ("MACs (G)", "macs", 1e9, "{:.2f}", "#55A868"),
              ("params (M)", "params", 1e6, "{:.1f}", "#DD8452"),
              ("depth (conv + linear layers on the longest path)", "depth", 1, "{:d}", "#4C72B0")]
    for ax, (title, attr, scale, text, colour) in zip(axes, panels):
        values = [getattr(w, attr) for w in winners]
        shown = [0 if v is None else v / scale for v in values]
        bars = ax.bar(range(len(winners)), shown, color=colour, width=0.7)
        labels = ["n/a" if v is None else text.format(int(v) if attr == "depth" else v / scale)
                  for v in values]
        ax.bar_label(bars, labels=labels, fontsize=7, padding=1)
        ax.set_xticks(range(len(winners)), ticks, fontsize=7)
        ax.set_title(title, fontsize=9, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.margins(y=0.15)
    nets = ", ".join(f"{w.year} {w.model}" for w in winners if w.model)
    alone = "; ".join(f"{w.year}: {w.entry} (no single network to compute)"
                      for w in winners if not w.model)
    fig.suptitle("ILSVRC classification winners: top-5 test error of the winning entries "
                 "(ensembles, from the ledger) beside one network's cost", fontsize=10, x=0.01,
                 ha="left")
    fig.supxlabel(f"One network per year, computed by cnncost at its spec's default input: "
                  f"{nets}." + (f"\n{alone}." if alone else ""), fontsize=7, color="#555555",
                  x=0.01, ha="left")
    return fig
