"""A sweep (``cnncost sweep``) as table, markdown, json, csv or html: one row per point, with the
point's settings, input, output shape, params, MACs and activation memory (and its error)."""

from __future__ import annotations

from typing import Any

from .text import headers


def _headers(keys: list[str]) -> list[str]:
    return [*keys, *headers("input", "output", "params", "macs", "activation_bytes")]


def render_sweep(rows: list[dict[str, Any]], keys: list[str], fmt: str, exact: bool,
                 note: str) -> str:
    """The sweep in one of FORMATS; json and csv carry exact integers (or expressions)."""
    from .text import fmt_bytes, fmt_count, fmt_exact, jsonable, tabular

    errors = any(r["error"] for r in rows)
    if fmt == "json":
        import json

        return json.dumps(jsonable([{**r["set"], "input": r["input"], "output": r["output"],
                                     "params": r["params"], "macs": r["macs"],
                                     "activation_bytes": r["activation_bytes"],
                                     **({"error": r["error"]} if errors else {})}
                                    for r in rows]), indent=2)
    if fmt == "csv":
        from .text import csv_text

        return csv_text([*keys, "input", "output", "params", "macs", "activation_bytes",
                         *(["error"] if errors else [])],
                        [[*(r["set"][k] for k in keys), r["input"] or "", r["output"] or "",
                          *("" if r[f] is None else str(r[f])
                            for f in ("params", "macs", "activation_bytes")),
                          *([r["error"] or ""] if errors else [])] for r in rows])
    count = fmt_exact if exact else fmt_count
    size = fmt_exact if exact else fmt_bytes
    headers = _headers(keys) + (["error"] if errors else [])
    cells = []
    for r in rows:
        line = [*(r["set"][k] for k in keys), r["input"] or "", r["output"] or ""]
        line += ["-", "-", "-"] if r["error"] else [count(r["params"]), count(r["macs"]),
                                                   size(r["activation_bytes"])]
        cells.append(line + ([r["error"] or ""] if errors else []))
    return tabular(headers, cells, fmt, note=note, title="cnncost sweep" if fmt == "html" else "")
