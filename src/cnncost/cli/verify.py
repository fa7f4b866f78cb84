"""``cnncost verify``: run the numpy reference pass and check the analysis layer by layer."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Optional

import typer

from ..render.text import FORMATS
from ..render.verify import render_verify, verify_title
from .app import app, emit
from .options import Aux, AuxAlias, Exact, Input, Set, aux_heads, check_format

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


MAX_BATCH = 2**20


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
    max_memory: Annotated[Optional[str], typer.Option(
        "--max-memory", help="refuse runs estimated above this (default: half the RAM)")] = None,
) -> None:
    """Run a numpy reference forward pass and check every layer's shape, params and MACs."""
    from ..api import build_graph
    from ..errors import CnnCostError
    from ..gpus import parse_size
    from ..verify.reference import check_memory

    check_format(fmt, FORMATS)
    if not 1 <= batch <= MAX_BATCH:
        raise CnnCostError(f"--batch must be from 1 to {MAX_BATCH:,}, got {batch}")
    if not 0 <= seed < 2**32:
        raise CnnCostError(f"--seed must be from 0 to 2**32 - 1, got {seed}")
    limit = None if max_memory is None else parse_size(max_memory)
    heads = aux_heads(aux, train)
    progress = _Progress()
    graph = build_graph(model, input=input, set=set)
    check_memory(graph, batch, heads, limit)
    if torch:
        from ..verify.reference_torch import verify_torch

        v = verify_torch(graph, batch, seed, heads, progress)
    else:
        from ..verify.reference import verify as run_verify

        v = run_verify(graph, batch, seed, heads, progress=progress)
    emit(render_verify(v, fmt, verify_title(v, graph.spec.title, seed, torch), exact))
    if not v.ok:
        raise typer.Exit(1)
