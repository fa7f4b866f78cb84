"""The intermediate graph both importers produce: cnncost ops with spec arguments, wired as a DAG.

Each node is a cnncost op (``conv``, ``relu``, ``add``, ...) with the arguments a spec would give
it, its inputs (node indices; node 0 is the network input) and its per-sample output shape,
computed by the op's own rules as the node is added, so that an import can never disagree with
what the spec it writes will build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..dims import Shape, as_int
from ..errors import CnnCostError
from ..ops import OPS


@dataclass
class INode:
    """One op of an imported network."""

    name: str
    op: str
    args: dict[str, Any]
    inputs: list[int]
    shape: Shape
    origin: str = ""  # the ONNX node name / torch node target, for messages


@dataclass
class IRGraph:
    """An imported network before it becomes a spec."""

    name: str
    source: str
    input_shape: Shape
    nodes: list[INode] = field(default_factory=list)
    output: int = 0
    symbols: list[str] = field(default_factory=list)
    not_counted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: dict[str, str] = field(default_factory=dict)  # scope -> module class (torch)

    def __post_init__(self) -> None:
        if not self.nodes:
            self.nodes.append(INode("input", "input", {}, [], tuple(self.input_shape)))

    def add(self, op: str, args: dict[str, Any], inputs: list[int], name: str,
            origin: str = "") -> int:
        """Append an op node; its shape comes from the op's rules (errors name the node)."""
        ins = [self.nodes[i].shape for i in inputs]
        rule = OPS[op]
        full = {**{k: v for k, v in rule.args.items()}, **args}
        try:
            prepared = rule.prepare(full, ins)
            shape = tuple(as_int(d) for d in rule.shape(prepared, ins))
        except CnnCostError as exc:
            raise CnnCostError(f"node {origin or name!r} ({op}): {exc.message}") from None
        self.nodes.append(INode(name, op, args, list(inputs), shape, origin))
        return len(self.nodes) - 1

    def consumers(self) -> list[list[int]]:
        """For every node, the nodes that read it (once per use)."""
        out: list[list[int]] = [[] for _ in self.nodes]
        for i, node in enumerate(self.nodes):
            for j in node.inputs:
                out[j].append(i)
        return out


_WORD = re.compile(r"[^A-Za-z0-9_]+")


def word(text: str) -> str:
    """A name part the spec loader accepts: letters, digits and underscores."""
    out = _WORD.sub("_", text).strip("_")
    return out or "x"
