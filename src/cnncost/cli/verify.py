"""``cnncost verify``: run the numpy reference pass and check the analysis layer by layer."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from ..render.text import FORMATS
from .app import app, emit
from .options import Aux, AuxAlias, Exact, Input, Set, aux_heads, check_format

# The analysis' columns carry report's names (render.COLUMNS); the reference run's sit beside them.
HEADERS = ["layer", "type", "output", "actual output", "params", "actual params", "MACs",
           "counted MACs", "ok"]
# CSV: the JSON layer fields, in order.
CSV_FIELDS = ["name", "type", "expected_output", "actual_output", "expected_params",
              "actual_params", "expected_macs", "counted_macs", "ok"]


def _shape(shape: Any) -> str:
    from ..render.text import fmt_shape

    return "—" if shape is None else fmt_shape(tuple(shape))


def _pair(expected: Any, actual: Any, fmt: Any, exact: bool) -> tuple[str, str, bool]:
    """Both cells of an analysis/reference pair: in ``fmt`` units, but exact when they differ
    (so the difference shows), plus whether they agree."""
    from ..render.text import fmt_exact

    same = expected == actual
    show = fmt if same and not exact else fmt_exact
    return show(expected), "—" if actual is None else show(actual), same


def _rows(v: Any, exact: bool, color: bool) -> list[list[str]]:
    """Table body for table/markdown/html: one row per layer and a total row."""
    from ..render.text import fmt_count

    def red(text: str, ok: bool) -> str:
        return text if ok or not color else typer.style(text, fg="red", bold=True)

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
    return typer.style("✓", fg="green") if ok else typer.style("✗", fg="red", bold=True)


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


def render(v: Any, fmt: str, title: str, exact: bool = False) -> str:
    """A verification as table, markdown, json, csv or html (headers and units as ``report``)."""
    if fmt == "json":
        import json

        return json.dumps(v.to_dict(), indent=2)
    from ..render.text import tabular

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
        lines.append(typer.style(verdict, fg="green") if v.ok
                     else typer.style(verdict, fg="red", bold=True))
        return "\n".join(lines)
    notes = _torch_lines(v.extra["torch"], color=False) if "torch" in v.extra else []
    return tabular(HEADERS, _rows(v, exact, color=False), fmt,
                   note="\n".join([*notes, _verdict(v)]), title=title)


class _Progress:
    """A one-line layer counter on stderr, shown only on a terminal once a run passes 2 s."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or time.monotonic() - self.start < 2.0:
            return
        if done >= total:
            if self.shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
            return
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.shown, self.last = True, now
        sys.stderr.write(f"\r\033[Kverify: layer {done + 1}/{total} {name}"[:100])
        sys.stderr.flush()


@app.command()
def verify(
    model: Annotated[str, typer.Argument(help="bundled model name or spec file path")],
    input: Input = None,
    batch: Annotated[int, typer.Option("--batch", "-b", help="batch size N")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="random seed for weights and input")] = 0,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="table, markdown, json, csv or html")] = "table",
    torch: Annotated[bool, typer.Option(
        "--torch", help="also load torchvision's model of the same name into the reference and "
                        "compare every tensor shape and the logits")] = False,
    set: Set = None,
    aux: Aux = False, train: AuxAlias = False,
    exact: Exact = False,
) -> None:
    """Run a numpy reference forward pass and check every layer's shape, params and MACs."""
    from ..api import build_graph

    check_format(fmt, FORMATS)
    if batch < 1:
        from ..errors import CnnCostError

        raise CnnCostError(f"--batch must be at least 1, got {batch}")
    heads = aux_heads(aux, train)
    progress = _Progress()
    graph = build_graph(model, input=input, set=set)
    if torch:
        from ..verify.reference_torch import verify_torch

        v = verify_torch(graph, batch, seed, heads, progress)
    else:
        from ..verify.reference import verify as run_verify

        v = run_verify(graph, batch, seed, heads, progress=progress)
    title = (f"{v.model}{f' — {graph.spec.title}' if graph.spec.title else ''} · input "
             f"{v.batch}×{_shape(v.input)} · seed {seed} · "
             f"{'float64' if torch else 'float32'} numpy reference")
    emit(render(v, fmt, title, exact))
    if not v.ok:
        raise typer.Exit(1)
