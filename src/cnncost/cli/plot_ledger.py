"""``cnncost plot --frontier`` and ``--evolution``: the ledger's accuracy charts."""

from __future__ import annotations

import html
import json
from typing import Any

from .app import emit

ALT = {"frontier": "torchvision weights: ImageNet-1K top-1 accuracy vs MACs (marker area = "
                   "params, colour = family)",
       "evolution": "ILSVRC classification winners: top-5 error by year beside MACs, params "
                    "and depth"}


def _data(kind: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The plotted rows and the skipped names (models the zoo does not bundle)."""
    from ..verify.frontier import evolution_points, frontier_points

    if kind == "frontier":
        points, skipped = frontier_points()
        return [{"weights": p.weights, "model": p.model, "family": p.family, "crop": p.crop,
                 "acc1": p.acc1, "macs": p.macs, "params": p.params} for p in points], skipped
    winners, skipped = evolution_points()
    return [w.as_dict() for w in winners], skipped


def _draw(kind: str, output: str) -> None:
    from ..verify.frontier import evolution_points, frontier_points
    from ..render.frontier import evolution_figure, frontier_figure
    from ..render.plot import figure_bytes, write_chart

    if kind == "frontier":
        fig = frontier_figure(*frontier_points())
    else:
        fig = evolution_figure(evolution_points()[0])
    write_chart(output, lambda suffix: figure_bytes(fig, suffix))


def ledger_chart(kind: str, output: str, fmt: str) -> None:
    """Draw (unless embed is only checking) and print what ``fmt`` asks for."""
    from .embedding import dry_run
    from ..render.plot import check_suffix

    check_suffix(output)
    if not dry_run():  # 'cnncost embed --check' writes nothing
        _draw(kind, output)
    if fmt == "markdown":
        emit(f"![{ALT[kind]}]({output})")
        return
    if fmt == "html":
        emit(f'<img src="{html.escape(output)}" alt="{html.escape(ALT[kind])}">')
        return
    rows, skipped = _data(kind)
    if fmt == "json":
        emit(json.dumps({"file": output, "chart": kind, "points": rows, "skipped": skipped},
                        indent=2))
    elif fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["model"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        emit(buf.getvalue().rstrip("\n"))
    else:
        note = (f"; skipped {len(skipped)} not bundled: {', '.join(skipped)}" if skipped else "")
        emit(f"wrote {output} ({ALT[kind]}: {len(rows)} drawn{note})")
