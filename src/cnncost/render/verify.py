"""A verification (``cnncost verify``) as table, markdown, json, csv or html: the analysis'
columns (report's names) beside the reference run's, marks, the torch check and a verdict. The
plain table is coloured for a terminal (typer's ``style``: ANSI codes); the other formats never
are."""

from __future__ import annotations

from typing import Any

from .text import headers


def style(text: str, **how: Any) -> str:
    """``text`` in terminal colours (``fg``, ``bold``), as the command line prints them."""
    import typer

    return typer.style(text, **how)


# The analysis' columns carry report's names (text.COLUMNS); the reference run's sit beside them.
_L, _T, _O, _P, _M = headers("name", "type", "output", "params", "macs")
HEADERS = [_L, _T, _O, f"actual {_O}", _P, f"actual {_P}", _M, f"counted {_M}", "ok"]
# CSV: the JSON layer fields, in order.
CSV_FIELDS = ["name", "type", "expected_output", "actual_output", "expected_params",
              "actual_params", "expected_macs", "counted_macs", "ok"]


def _shape(shape: Any) -> str:
    from .text import fmt_shape

    return "—" if shape is None else fmt_shape(tuple(shape))


def _pair(expected: Any, actual: Any, fmt: Any, exact: bool) -> tuple[str, str, bool]:
    """Both cells of an analysis/reference pair: in ``fmt`` units, but exact when they differ
    (so the difference shows), plus whether they agree."""
    from .text import fmt_exact

    same = expected == actual
    show = fmt if same and not exact else fmt_exact
    return show(expected), "—" if actual is None else show(actual), same


def _rows(v: Any, exact: bool, color: bool) -> list[list[str]]:
    """Table body for table/markdown/html: one row per layer and a total row."""
    from .text import fmt_count

    def red(text: str, ok: bool) -> str:
        return text if ok or not color else style(text, fg="red", bold=True)

    def mark(ok: bool) -> str:
        return _mark(ok) if color else ("✓" if ok else "✗")

    rows = []
    for c in v.layers:
        shape_ok = c.expected_output == c.actual_output
        p_exp, p_act, p_ok = _pair(c.expected_params, c.actual_params, fmt_count, exact)
        m_exp, m_act, m_ok = _pair(c.expected_macs, c.counted_macs, fmt_count, exact)
        rows.append([c.name, c.type, _shape(c.expected_output),
                     red(_shape(c.actual_output), shape_ok), p_exp, red(p_act, p_ok), m_exp,
                     red(m_act, m_ok), mark(c.ok)])
    p_exp, p_act, p_ok = _pair(*_totals(v)[:2], fmt_count, exact)
    m_exp, m_act, m_ok = _pair(*_totals(v)[2:], fmt_count, exact)
    rows.append(["total", "", "", "", p_exp, red(p_act, p_ok), m_exp, red(m_act, m_ok), ""])
    return rows


def _totals(v: Any) -> tuple[int, int, int, int]:
    """Expected params, actual params, expected MACs, counted MACs, summed over layers."""
    return (sum(c.expected_params for c in v.layers),
            sum(c.actual_params or 0 for c in v.layers),
            sum(c.expected_macs for c in v.layers),
            sum(c.counted_macs or 0 for c in v.layers))


def _csv_rows(v: Any) -> list[list[str]]:
    def cell(x: Any) -> str:
        if x is None:
            return ""
        if isinstance(x, (tuple, list)):
            return "x".join(map(str, x))
        return str(x).lower() if isinstance(x, bool) else str(x)

    rows = [[cell(x) for x in (c.name, c.type, c.expected_output, c.actual_output,
                               c.expected_params, c.actual_params, c.expected_macs,
                               c.counted_macs, c.ok)] for c in v.layers]
    exp_p, act_p, exp_m, act_m = _totals(v)
    rows.append(["total", "", "", "", *map(cell, (exp_p, act_p, exp_m, act_m, v.ok))])
    return rows


def _mark(ok: bool) -> str:
    return style("✓", fg="green") if ok else style("✗", fg="red", bold=True)


def _torch_lines(info: dict[str, Any], color: bool = True) -> list[str]:
    def mark(ok: bool) -> str:
        return _mark(ok) if color else ("✓" if ok else "✗")

    lines = [f"torch: {info['model']} (random He-uniform weights, random BN statistics, eval, "
             "float64)"]
    problems = info["shape_mismatches"]
    if problems:
        lines.append(f"  {mark(False)} {len(problems)} tensor(s) differ from torch's state_dict:")
        lines += [f"    {p}" for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"    ... and {len(problems) - 20} more")
    else:
        lines.append(f"  {mark(True)} all {info['tensors']} state_dict tensors map to spec "
                     "layers with equal shapes")
    if info["max_abs_diff"] is not None:
        lines.append(f"  {mark(info['logits_ok'])} logits allclose(rtol={info['rtol']:g}, "
                     f"atol={info['atol']:g}): max |numpy - torch| = {info['max_abs_diff']:.3g}"
                     f" (logits: max |y| {info['max_abs_logit']:.3g}, std {info['logit_std']:.3g})")
    return lines


def _verdict(v: Any) -> str:
    n = len(v.layers)
    where = f"{v.model} at {v.batch}×{_shape(v.input)}"
    if v.ok:
        macs = sum(c.counted_macs or 0 for c in v.layers)
        params = sum(c.actual_params or 0 for c in v.layers)
        extra = "; torch agrees" if "torch" in v.extra else ""
        return (f"OK: all {n} layers of {where} match the analysis (shapes, {params:,} params, "
                f"{macs:,} MACs counted){extra}")
    bad = v.mismatches
    what = [f"{len(bad)} of {n} layers differ"] if bad else []
    if v.error:
        what.append(f"the reference pass stopped: {v.error}")
    torch_info = v.extra.get("torch")
    if torch_info is not None and not torch_info["ok"]:
        what.append("torch disagrees")
    names = ", ".join(c.name for c in bad[:5]) + (", ..." if len(bad) > 5 else "")
    tail = f" ({names})" if bad else ""
    return f"FAILED: {where}: " + "; ".join(what) + tail


def verify_title(v: Any, spec_title: str, seed: int, torch: bool) -> str:
    """The first line: model, input, seed and which reference ran."""
    return (f"{v.model}{f' — {spec_title}' if spec_title else ''} · input "
            f"{v.batch}×{_shape(v.input)} · seed {seed} · "
            f"{'float64' if torch else 'float32'} numpy reference")


def render_verify(v: Any, fmt: str, title: str, exact: bool = False) -> str:
    """A verification as table, markdown, json, csv or html (headers and units as ``report``)."""
    if fmt == "json":
        import json

        return json.dumps(v.to_dict(), indent=2)
    from .text import tabular

    if fmt == "csv":
        return tabular(CSV_FIELDS, _csv_rows(v), "csv")
    if fmt == "table":
        from tabulate import tabulate

        table = tabulate(_rows(v, exact, color=True), headers=HEADERS, tablefmt="simple",
                         disable_numparse=True,
                         colalign=("left",) * 4 + ("right",) * 4 + ("left",))
        lines = [title, "", table, ""]
        if "torch" in v.extra:
            lines += _torch_lines(v.extra["torch"]) + [""]
        verdict = _verdict(v)
        lines.append(style(verdict, fg="green") if v.ok
                     else style(verdict, fg="red", bold=True))
        return "\n".join(lines)
    notes = _torch_lines(v.extra["torch"], color=False) if "torch" in v.extra else []
    return tabular(HEADERS, _rows(v, exact, color=False), fmt,
                   note="\n".join([*notes, _verdict(v)]), title=title)
