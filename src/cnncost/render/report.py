"""Reports and comparisons as table, markdown, csv, json and html (the shared writers are
:mod:`.text`).
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..cost import FIELDS as COST_FIELDS
from ..dims import is_symbolic
from .escape import md_cell
from .text import (csv_shape, csv_text, fmt_bytes, fmt_count, fmt_exact, fmt_shape, headers,
                   html_page, html_table, jsonable, _page, sym_str)

def _cells(row: Any, exact: bool, backward: bool = False) -> list[str]:
    count = fmt_exact if exact else fmt_count
    size = fmt_exact if exact else fmt_bytes
    c = row.cost
    cells = [row.name, row.type, fmt_shape(row.output), count(c.params), count(c.macs),
             size(c.activation_bytes)]
    return cells + [count(c.backward_macs), count(c.backward_other_ops)] if backward else cells


REPORT_HEADERS = headers("name", "type", "output", "params", "macs", "activation_bytes")
BACKWARD_HEADERS = headers("backward_macs", "backward_other_ops")


def _headers(report: Any) -> list[str]:
    return REPORT_HEADERS + BACKWARD_HEADERS if report.backward else REPORT_HEADERS


def _header_line(report: Any) -> str:
    title = f" — {report.title}" if report.title else ""
    return (f"{report.model}{title} · input {fmt_shape(report.input)} · batch {report.batch}"
            f" · {report.dtype}")


def _totals_line(report: Any) -> str:
    t = report.totals
    if report.symbolic:
        return (f"params {sym_str(t.params)} · MACs {sym_str(t.macs)} · activation bytes "
                f"{sym_str(t.activation_bytes)}" + _backward_line(report))
    return (f"params {fmt_count(t.params)} ({t.params:,}) · MACs {fmt_count(t.macs)} "
            f"({t.macs:,}) · activations {fmt_bytes(t.activation_bytes)} "
            f"({t.activation_bytes:,} B)" + _backward_line(report))


def _backward_line(report: Any) -> str:
    """Totals of backward and of a training step (2 × (forward + backward) MACs in FLOP)."""
    if not report.backward:
        return ""
    t = report.totals
    step = 2 * (t.macs + t.backward_macs)
    if report.symbolic:
        return f" · backward MACs {sym_str(t.backward_macs)} · training FLOPs {sym_str(step)}"
    return (f" · backward MACs {fmt_count(t.backward_macs)} ({t.backward_macs:,}) · training "
            f"FLOPs 2×(fwd+bwd) {fmt_count(step)} ({step:,})")


def report_rows(report: Any, exact: bool = False) -> list[list[str]]:
    """Table body: one row per layer and a total row."""
    rows = [_cells(r, exact, report.backward) for r in report.rows]
    count = fmt_exact if exact else fmt_count
    size = fmt_exact if exact else fmt_bytes
    t = report.totals
    total = ["total", "", "", count(t.params), count(t.macs), size(t.activation_bytes)]
    if report.backward:
        total += [count(t.backward_macs), count(t.backward_other_ops)]
    rows.append(total)
    return rows


def report_table(report: Any, exact: bool = False) -> str:
    from tabulate import tabulate

    body = tabulate(report_rows(report, exact), headers=_headers(report), tablefmt="simple",
                    colalign=("left", "left", "left") + ("right",) * (len(_headers(report)) - 3),
                    disable_numparse=True)
    lines = [_header_line(report)]
    if report.source:
        lines.append(f"source: {report.source}")
    lines += ["", body, "", "totals: " + _totals_line(report), *report.footer()]
    return "\n".join(lines)


def report_markdown(report: Any, exact: bool = False) -> str:
    from tabulate import tabulate

    rows = [[md_cell(c) for c in cells] for cells in report_rows(report, exact)]
    body = tabulate(rows, headers=_headers(report), tablefmt="github",
                    colalign=("left", "left", "left") + ("right",) * (len(_headers(report)) - 3),
                    disable_numparse=True)
    lines = [f"**{md_cell(_header_line(report))}**", ""]
    if report.source:
        lines += [f"Source: {md_cell(report.source)}", ""]
    lines += [body, "", "Totals: " + _totals_line(report), *map(md_cell, report.footer())]
    return "\n".join(lines)


CSV_FIELDS = ["name", "type", "output", *COST_FIELDS]


def report_csv(report: Any) -> str:
    rows = [[r.name, r.type, csv_shape(r.output), *map(str, r.cost.as_dict().values())]
            for r in report.rows]
    rows.append(["total", "", "", *map(str, report.totals.as_dict().values())])
    return csv_text(CSV_FIELDS, rows)


def report_html(report: Any, exact: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(report))
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        for cells in report_rows(report, exact)
    )
    title = html.escape(_header_line(report))
    source = f"<p>Source: {html.escape(report.source)}</p>" if report.source else ""
    return _page(title, f"<h1>{title}</h1>{source}<table><thead><tr>{head}</tr></thead>"
                        f"<tbody>\n{body}\n</tbody></table><p>Totals: "
                        f"{html.escape(_totals_line(report))}</p>")


def render_report(report: Any, fmt: str, exact: bool = False) -> str:
    """A report in one of FORMATS."""
    if fmt == "json":
        return report.to_json()
    if fmt == "csv":
        return report_csv(report)
    if fmt == "markdown":
        return report_markdown(report, exact)
    if fmt == "html":
        return report_html(report, exact)
    return report_table(report, exact)


def ratio(a: Any, b: Any) -> Any:
    """b / a as a float (or a simplified expression when symbolic); None when a is 0."""
    if is_symbolic(a) or is_symbolic(b):
        import sympy

        return sympy.simplify(b / a) if a != 0 else None
    return b / a if a else None


def compare_dict(reports: list[Any]) -> dict[str, Any]:
    base = reports[0].totals
    return jsonable({
        "models": [{"model": r.model, "input": list(r.input), "totals": r.totals.as_dict()}
                   for r in reports],
        "ratios": [{"model": r.model, "params": ratio(base.params, r.totals.params),
                    "macs": ratio(base.macs, r.totals.macs),
                    "activation_bytes": ratio(base.activation_bytes, r.totals.activation_bytes)}
                   for r in reports],
    })


_TOTALS = headers("params", "macs", "activation_bytes")
COMPARE_HEADERS = [*headers("model", "input"), *_TOTALS, *(f"× {h}" for h in _TOTALS)]


def _fmt_ratio(x: Any) -> str:
    if x is None:
        return "-"
    if is_symbolic(x):
        return str(x)
    return f"{x:.3g}×"


def compare_rows(reports: list[Any], exact: bool = False) -> list[list[str]]:
    base = reports[0].totals
    count = fmt_exact if exact else fmt_count
    size = fmt_exact if exact else fmt_bytes
    return [[r.model, fmt_shape(r.input), count(r.totals.params), count(r.totals.macs),
             size(r.totals.activation_bytes), _fmt_ratio(ratio(base.params, r.totals.params)),
             _fmt_ratio(ratio(base.macs, r.totals.macs)),
             _fmt_ratio(ratio(base.activation_bytes, r.totals.activation_bytes))]
            for r in reports]


def render_compare(reports: list[Any], fmt: str, exact: bool = False) -> str:
    """Totals of several reports side by side, with ratios to the first."""
    from tabulate import tabulate

    if fmt == "json":
        return json.dumps(compare_dict(reports), indent=2)
    rows = compare_rows(reports, exact)
    if fmt == "csv":
        d = compare_dict(reports)
        return csv_text(["model", "input", "params", "macs", "activation_bytes", "ratio_params",
                         "ratio_macs", "ratio_activation_bytes"],
                        [[m["model"], csv_shape(r.input), m["totals"]["params"],
                          m["totals"]["macs"], m["totals"]["activation_bytes"], q["params"],
                          q["macs"], q["activation_bytes"]]
                         for r, m, q in zip(reports, d["models"], d["ratios"])])
    note = f"batch {reports[0].batch} · {reports[0].dtype} · ratios to {reports[0].model}"
    if fmt == "html":  # html_table: right-aligned by column, as every command's tables
        return html_page("cnncost compare",
                         f"<p>{html.escape(note)}</p>{html_table(COMPARE_HEADERS, rows)}")
    tablefmt = "github" if fmt == "markdown" else "simple"
    if fmt == "markdown":
        rows = [[md_cell(c) for c in cells] for cells in rows]
    colalign = ("left", "left") + ("right",) * 6
    table = tabulate(rows, headers=COMPARE_HEADERS, tablefmt=tablefmt, colalign=colalign,
                     disable_numparse=True)
    return f"{table}\n\n{note}" if fmt != "markdown" else f"{table}\n\n_{note}_"
