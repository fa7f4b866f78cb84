"""The ledger's verdicts (``cnncost check``) as table, markdown, json, csv or html, grouped by
the source each published figure comes from, with the summary line."""

from __future__ import annotations

import html
import json
from typing import Any

COLUMNS = ("id", "model", "quantity", "published", "computed", "unit", "status", "reason")


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


def render_check(results: list[Any], fmt: str) -> str:
    """Results as table, markdown, json, csv or html, grouped by source."""
    from ..verify.ledger import summary

    rows = [r.as_dict() for r in results]
    summ = summary(results)
    if fmt == "json":
        return json.dumps({"entries": rows, "summary": summ}, indent=2)
    if fmt == "csv":
        from .text import csv_text

        return csv_text([*COLUMNS, "source"],
                        [[_cell(row[c]) for c in (*COLUMNS, "source")] for row in rows])
    groups = _grouped(rows, results)
    if fmt == "html":
        from .text import html_page, html_table

        parts = [f"<h2>{html.escape(citation)}</h2>\n"
                 + html_table(list(COLUMNS), [[_cell(r[c]) for c in COLUMNS] for r in group])
                 for citation, group in groups.items()]
        return html_page("cnncost check", "<h1>cnncost check</h1>\n" + "\n".join(parts)
                         + f"\n<p>{html.escape(_summary_line(summ))}</p>")
    from .text import tabular

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
