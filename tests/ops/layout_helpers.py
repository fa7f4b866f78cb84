"""Small helpers shared by the tests of the layout-aware ops: build a spec from text, run one op's
rules the way the builder does."""

from __future__ import annotations

from typing import Any

from cnncost.spec.expand import build
from cnncost.graph import Graph
from cnncost.ops import OPS, REQUIRED
from cnncost.spec.schema import parse_spec
from cnncost.spec.yamlio import loads


def graph_of(text: str) -> Graph:
    """The graph of a spec given as YAML text."""
    return build(parse_spec(loads(text, "t.yaml"), "t.yaml"))


def rules(name: str, args: dict[str, Any], ins: list[tuple]) -> tuple:
    """(prepared args, output shape, params, MACs, other ops) of op ``name`` on ``ins``."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, ins)
    out = op.shape(a, ins)
    return a, out, op.param_shapes(a, ins, out), op.macs(a, ins, out), op.other_ops(a, ins, out)


def forward(name: str, args: dict[str, Any], shape: tuple, x: Any, w: dict[str, Any]) -> Any:
    """The op's numpy forward on a batch ``x`` whose per-sample shape (with its layout) is
    ``shape``; returns (output, MACs counted)."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    return op.forward(op.prepare(raw, [shape]), [x], w)
