"""Formatting shared by every command: the output formats, number/byte/shape formatters, the
column vocabulary, and the table, markdown, csv and html writers with cnncost's one HTML style.

>>> fmt_count(23296), fmt_bytes(802816), fmt_count(15470264320)
('23.3K', '784 KiB', '15.47G')
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from ..dims import all_ints, is_symbolic
from .escape import md_cell

FORMATS = ("table", "markdown", "json", "csv", "html")


@lru_cache(maxsize=1)
def _printer() -> Any:
    """sympy's str() printer, remembering the text of every sub-expression it printed (reports
    repeat the same floors and products in many rows). The text is exactly str()'s."""
    from sympy import Float
    from sympy.printing.str import StrPrinter

    class MemoPrinter(StrPrinter):
        memo: dict[Any, str] = {}

        def _print(self, expr: Any, **kwargs: Any) -> str:
            if kwargs or isinstance(expr, Float):  # a Float's text depends on its nesting
                return super()._print(expr, **kwargs)
            try:
                return self.memo[expr]
            except KeyError:
                if len(self.memo) > 100_000:
                    self.memo.clear()
                text = self.memo[expr] = super()._print(expr)
                return text
            except TypeError:  # unhashable
                return super()._print(expr)

    return MemoPrinter({"order": None})


@lru_cache(maxsize=8192)
def _sym_str(x: Any) -> str:
    return _printer().doprint(x)


def sym_str(x: Any) -> str:
    """str() of a sympy expression, cached: printing is slow and reports repeat expressions."""
    try:
        return _sym_str(x)
    except TypeError:  # unhashable
        return str(x)


def jsonable(value: Any) -> Any:
    """Ints stay ints; sympy becomes a sympy-parsable string; containers recurse."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if is_symbolic(value):
        return sym_str(value)
    return value


def fmt_count(n: Any) -> str:
    """Decimal units: 23.3K, 72.86M, 15.47G."""
    if type(n) is int:  # the common case, first
        return _count(n)
    if is_symbolic(n):
        return sym_str(n)
    if isinstance(n, float):
        return f"{n:.4g}"
    return _count(n)


def _count(n: Any) -> str:
    for unit, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if abs(n) >= scale:
            return f"{n / scale:.4g}{unit}"
    return str(n)


def fmt_bytes(n: Any) -> str:
    """Binary (IEC) units: 784 KiB, 51.72 MiB."""
    if type(n) is not int and is_symbolic(n):
        return f"{sym_str(n)} B"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} B"


def fmt_exact(n: Any) -> str:
    """Exact integer with thousands separators (or the expression)."""
    return sym_str(n) if is_symbolic(n) else f"{n:,}"


def fmt_shape(shape: tuple) -> str:
    """64×56×56."""
    if all_ints(shape):  # the common case
        return "×".join(map(str, shape))
    return "×".join(sym_str(d) if is_symbolic(d) else str(d) for d in shape)


def csv_shape(shape: tuple) -> str:
    """64x56x56 for CSV; a compound symbolic size is parenthesised so that the ``x`` separators
    stay unambiguous: ``64x(floor(H/4 - 7/4) + 1)xW``."""
    return "x".join(f"({sym_str(d)})" if is_symbolic(d) and not d.is_Atom else
                    (sym_str(d) if is_symbolic(d) else str(d)) for d in shape)


def _page(title: str, content: str) -> str:
    style = ("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
             "td:nth-child(-n+3),th:nth-child(-n+3){text-align:left}td.l,th.l{text-align:left}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{style}</style></head><body>\n{content}\n</body></html>")


# JSON/CSV field -> column header in table, markdown and html output, so that every command
# names (and units) the same quantity the same way. Byte columns hold bytes in JSON/CSV and IEC
# units (KiB, MiB, GiB) in the other formats; counts hold integers / K, M, G units.
COLUMNS = {"name": "layer", "model": "model", "type": "type", "input": "input",
           "output": "output", "params": "params", "macs": "MACs",
           "activation_bytes": "activation", "buffers": "buffers", "other_ops": "other ops",
           "flops": "FLOPs (2×MACs)", "backward_macs": "bwd MACs",
           "backward_other_ops": "bwd other ops"}


def headers(*fields: str) -> list[str]:
    """The column headers of JSON/CSV fields (``COLUMNS``)."""
    return [COLUMNS[f] for f in fields]


def html_page(title: str, content: str) -> str:
    """A standalone HTML page with cnncost's table style (the one used by every command)."""
    return _page(html.escape(title), content)


def _numeric(header: str) -> bool:
    """Count, byte and ratio columns, right-aligned in every format."""
    return header in ("params", "MACs", "activation", "buffers", "other ops", "bytes", "share",
                      "memory", "GB/s", "FLOPs", "FLOP/B", "ideal", "time") or \
        header.startswith("×") or header.rsplit(" ", 1)[-1] in ("params", "MACs", "TFLOPS", "img/s")


def html_table(headers: list[str], rows: list[list[str]]) -> str:
    """A ``<table>`` fragment of already formatted cells (for pages with several tables);
    text columns are left-aligned, numeric ones (see ``_numeric``) right-aligned."""
    left = [not _numeric(h) for h in headers]

    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="l"' if i < len(left) and left[i] else ""
        return f"<{tag}{cls}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "\n".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(cells)) + "</tr>"
                     for cells in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def tabular(headers: list[str], rows: list[list[str]], fmt: str, note: str = "",
            title: str = "") -> str:
    """Rows of already formatted cells as table, markdown, csv or a standalone html page; count,
    byte and ratio columns (by their COLUMNS header) are right-aligned, the rest left-aligned.

    >>> print(tabular(["model", "params"], [["tiny", "224"]], "markdown", note="batch 1"))
    | model   |   params |
    |---------|----------|
    | tiny    |      224 |
    <BLANKLINE>
    _batch 1_
    >>> print(tabular(["model", "params"], [["tiny", "224"]], "csv"))
    model,params
    tiny,224
    """
    if fmt == "csv":
        return csv_text(headers, rows)
    notes = note.splitlines() if note else []
    if fmt == "html":
        top = (f"<h1>{html.escape(title)}</h1>" if title else "") + "".join(
            f"<p>{html.escape(line)}</p>" for line in notes)
        return html_page(title or "cnncost", top + html_table(headers, rows))
    from tabulate import tabulate

    colalign = tuple("right" if _numeric(h) else "left" for h in headers)
    if fmt == "markdown":
        rows = [[md_cell(c) for c in cells] for cells in rows]
    table = tabulate(rows, headers=headers, tablefmt="github" if fmt == "markdown" else "simple",
                     colalign=colalign, disable_numparse=True)
    if fmt == "markdown":
        lines = ([f"**{title}**", ""] if title else []) + [table]
        lines += [part for line in notes if line.strip() for part in ("", f"_{line.strip()}_")]
    else:
        lines = ([title, ""] if title else []) + [table] + (["", note] if note else [])
    return "\n".join(lines)


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """A header and rows as CSV text (no trailing newline); cells as ``str()`` gives them.

    >>> print(csv_text(["a", "b"], [[1, "x,y"]]))
    a,b
    1,"x,y"
    """
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().rstrip("\n")
