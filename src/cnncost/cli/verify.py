"""``cnncost verify``: run the numpy reference pass and check the analysis layer by layer."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from .app import app, emit
from .options import Input, Set, Train, check_format

HEADERS = ["layer", "type", "output", "actual", "params", "actual", "MACs", "counted", ""]


def _shape(shape: Any) -> str:
    return "—" if shape is None else "×".join(str(d) for d in shape)


def _num(n: Any) -> str:
    return "—" if n is None else f"{n:,}"


def _mark(ok: bool) -> str:
    return typer.style("✓", fg="green") if ok else typer.style("✗", fg="red", bold=True)


def _same(a: Any, b: Any, text: str) -> str:
    return text if a == b else typer.style(text, fg="red", bold=True)


def _table(v: Any) -> str:
    from tabulate import tabulate

    rows = []
    for c in v.layers:
        rows.append([c.name, c.type, _shape(c.expected_output),
                     _same(c.expected_output, c.actual_output, _shape(c.actual_output)),
                     _num(c.expected_params),
                     _same(c.expected_params, c.actual_params, _num(c.actual_params)),
                     _num(c.expected_macs),
                     _same(c.expected_macs, c.counted_macs, _num(c.counted_macs)), _mark(c.ok)])
    exp_p = sum(c.expected_params for c in v.layers)
    act_p = sum(c.actual_params or 0 for c in v.layers)
    exp_m = sum(c.expected_macs for c in v.layers)
    act_m = sum(c.counted_macs or 0 for c in v.layers)
    rows.append(["total", "", "", "", _num(exp_p), _same(exp_p, act_p, _num(act_p)),
                 _num(exp_m), _same(exp_m, act_m, _num(act_m)), ""])
    return tabulate(rows, headers=HEADERS, tablefmt="simple", disable_numparse=True,
                    colalign=("left", "left", "left", "left", "right", "right", "right", "right",
                              "left"))


def _torch_lines(info: dict[str, Any]) -> list[str]:
    lines = [f"torch: {info['model']} (random He-uniform weights, random BN statistics, eval, "
             "float64)"]
    problems = info["shape_mismatches"]
    if problems:
        lines.append(f"  {_mark(False)} {len(problems)} tensor(s) differ from torch's state_dict:")
        lines += [f"    {p}" for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"    ... and {len(problems) - 20} more")
    else:
        lines.append(f"  {_mark(True)} all {info['tensors']} state_dict tensors map to spec "
                     "layers with equal shapes")
    if info["max_abs_diff"] is not None:
        lines.append(f"  {_mark(info['logits_ok'])} logits allclose(rtol={info['rtol']:g}, "
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
        return typer.style(f"OK: all {n} layers of {where} match the analysis (shapes, "
                           f"{params:,} params, {macs:,} MACs counted){extra}", fg="green")
    bad = v.mismatches
    what = [f"{len(bad)} of {n} layers differ"] if bad else []
    if v.error:
        what.append(f"the reference pass stopped: {v.error}")
    torch_info = v.extra.get("torch")
    if torch_info is not None and not torch_info["ok"]:
        what.append("torch disagrees")
    names = ", ".join(c.name for c in bad[:5]) + (", ..." if len(bad) > 5 else "")
    tail = f" ({names})" if bad else ""
    return typer.style(f"FAILED: {where}: " + "; ".join(what) + tail, fg="red", bold=True)


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
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    torch: Annotated[bool, typer.Option(
        "--torch", help="also load torchvision's model of the same name into the reference and "
                        "compare every tensor shape and the logits")] = False,
    set: Set = None,
    train: Train = False,
) -> None:
    """Run a numpy reference forward pass and check every layer's shape, params and MACs."""
    from ..api import build_graph

    check_format(fmt, ("table", "json"))
    if batch < 1:
        from ..errors import CnnCostError

        raise CnnCostError(f"--batch must be at least 1, got {batch}")
    progress = _Progress()
    graph = build_graph(model, input=input, set=set)
    if torch:
        from ..reference_torch import verify_torch

        v = verify_torch(graph, batch, seed, train, progress)
    else:
        from ..reference import verify as run_verify

        v = run_verify(graph, batch, seed, train, progress=progress)
    if fmt == "json":
        import json

        emit(json.dumps(v.to_dict(), indent=2))
    else:
        title = f" — {graph.spec.title}" if graph.spec.title else ""
        lines = [f"{v.model}{title} · input {v.batch}×{_shape(v.input)} · seed {seed} · "
                 f"{'float64' if torch else 'float32'} numpy reference", "", _table(v), ""]
        if "torch" in v.extra:
            lines += _torch_lines(v.extra["torch"]) + [""]
        lines.append(_verdict(v))
        emit("\n".join(lines))
    if not v.ok:
        raise typer.Exit(1)
