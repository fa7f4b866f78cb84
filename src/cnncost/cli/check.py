"""``cnncost check``: recompute every published figure in a ledger and give each a verdict."""

from __future__ import annotations

import html
import json
from typing import Annotated, Any, Optional

import typer

from ..render.text import FORMATS
from .app import app, emit
from .options import Format, check_format

COLUMNS = ("id", "model", "quantity", "published", "computed", "unit", "status", "reason")

Ledger = Annotated[Optional[str], typer.Option(
    "--ledger", help="a ledger YAML file (default: the ledger shipped with cnncost)")]
Model = Annotated[Optional[str], typer.Option(
    "--model", "-m", help="only the entries about this model (bundled name or spec path)")]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _grouped(rows: list[dict[str, Any]], results: list[Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row, res in zip(rows, results):
        groups.setdefault(res.entry.citation, []).append(row)
    return groups


def _summary_line(s: dict[str, Any]) -> str:
    return (f"{s['entries']} entries: {s['reproduced']} reproduced, "
            f"{s['known discrepancy']} known discrepancies, {s['recorded']} recorded, "
            f"{s['REGRESSION']} regressions")


def render(results: list[Any], fmt: str) -> str:
    """Results as table, markdown, json, csv or html, grouped by source."""
    from ..verify.ledger import summary

    rows = [r.as_dict() for r in results]
    summ = summary(results)
    if fmt == "json":
        return json.dumps({"entries": rows, "summary": summ}, indent=2)
    if fmt == "csv":
        from ..render.text import csv_text

        return csv_text([*COLUMNS, "source"],
                        [[_cell(row[c]) for c in (*COLUMNS, "source")] for row in rows])
    groups = _grouped(rows, results)
    if fmt == "html":
        from ..render.text import html_page, html_table

        parts = [f"<h2>{html.escape(citation)}</h2>\n"
                 + html_table(list(COLUMNS), [[_cell(r[c]) for c in COLUMNS] for r in group])
                 for citation, group in groups.items()]
        return html_page("cnncost check", "<h1>cnncost check</h1>\n" + "\n".join(parts)
                         + f"\n<p>{html.escape(_summary_line(summ))}</p>")
    from ..render.text import tabular

    parts = []
    for citation, group in groups.items():
        table = [[_cell(r[c]) for c in COLUMNS] for r in group]
        if fmt == "markdown":
            parts.append(f"### {citation}\n\n" + tabular(list(COLUMNS), table, "markdown"))
        else:
            from tabulate import tabulate

            parts.append(f"== {citation}\n" + tabulate(table, headers=COLUMNS, tablefmt="simple",
                                                      disable_numparse=True,
                                                      maxcolwidths=[None] * 7 + [60]))
    return "\n\n".join(parts) + "\n\n" + _summary_line(summ)


def _about(entry: Any, model: str) -> bool:
    from pathlib import Path

    from ..verify.ledger_file import resolve_model

    def same(name: str) -> bool:
        if name == model or Path(name).name == model:
            return True
        path = Path(resolve_model(name, entry.base))
        return model.endswith((".yaml", ".yml")) and path.resolve() == Path(model).resolve()

    return any(same(m) for m in entry.models)


@app.command()
def check(ledger: Ledger = None, model: Model = None, fmt: Format = "table") -> None:
    """Recompute every published figure of the ledger: reproduced, known discrepancy or REGRESSION
    (accuracy figures are recorded with their source, not recomputed).

    Exit 1 on any regression (a figure that no longer reproduces, or a known discrepancy that
    now matches); exit 2 on a malformed ledger.
    """
    from ..errors import CnnCostError
    from ..verify.ledger import check as run_check
    from ..verify.ledger import summary
    from ..verify.ledger_file import load_ledger

    check_format(fmt, FORMATS)
    entries = load_ledger(ledger)
    if model is not None:
        entries = [e for e in entries if _about(e, model)]
        if not entries:
            raise CnnCostError(f"the ledger has no entries about model {model!r}")
    results = run_check(entries)
    emit(render(results, fmt))
    if not summary(results)["ok"]:
        raise typer.Exit(1)
