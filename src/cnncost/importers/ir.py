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

from ..dims import Shape, as_int, relayout
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
            raw = rule.shape(prepared, ins)
            shape = relayout(raw, tuple(as_int(d) for d in raw))
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


def normalize_concats(ir: IRGraph, paths: list[str] | None = None) -> list[str] | None:
    """Rewrite DenseNet-style concats into a chain and nested adds into one, in place.

    ``cat(x0, x1, x2)`` where an earlier node is ``cat(x0, x1)`` becomes ``cat(cat(x0, x1), x2)``:
    the same values and allocation, and series-parallel (each step a residual with merge concat).
    A concat of one tensor is that tensor. Returns ``paths`` re-indexed the same way.
    """
    seen: dict[tuple, int] = {}
    remap: dict[int, int] = {}
    keep: list[int] = []
    uses = [len(c) for c in ir.consumers()]
    for i, node in enumerate(ir.nodes):
        node.inputs = [remap.get(j, j) for j in node.inputs]
        if node.op == "add":  # add(add(a, b), c) -> add(a, b, c): RepVGG's three branches
            flat: list[int] = []
            for j in node.inputs:
                inner = ir.nodes[j]
                if inner.op == "add" and uses[j] == 1 and not inner.args.get("inplace"):
                    flat.extend(inner.inputs)
                    keep.remove(j)
                else:
                    flat.append(j)
            node.inputs = flat
        if node.op == "concat":
            ins = tuple(node.inputs)
            if len(ins) == 1:
                remap[i] = ins[0]
                continue
            for k in range(len(ins) - 1, 1, -1):
                if ins[:k] in seen:
                    node.inputs = [seen[ins[:k]], *ins[k:]]
                    break
            seen.setdefault(ins, i)
        keep.append(i)
    if len(keep) == len(ir.nodes):
        return paths
    new_index = {old: new for new, old in enumerate(keep)}
    out = remap.get(ir.output, ir.output)
    ir.nodes = [ir.nodes[i] for i in keep]
    for node in ir.nodes:
        node.inputs = [new_index[j] for j in node.inputs]
    ir.output = new_index[out]
    return [paths[i] for i in keep] if paths is not None else None


def nest_concats(ir: IRGraph, paths: list[str] | None = None) -> list[str] | None:
    """Give a flattened nested concat its inner concat back, in place.

    Exporters flatten ``cat([a, cat([b1, b2]), c])`` (Inception v3's Mixed_7 blocks) into one
    concat of four; runs of inputs that come from one inner fork become a concat again, inserted
    before the outer one, so the graph is series-parallel. Returns ``paths`` re-indexed.
    """
    cons = ir.consumers()
    for j in range(len(ir.nodes) - 1, 0, -1):
        node = ir.nodes[j]
        if node.op != "concat" or len(node.inputs) < 3:
            continue
        origins = [_origin(ir, cons, u) for u in node.inputs]
        runs: list[tuple[int, int]] = []
        i = 0
        while i < len(origins):
            k = i
            while k + 1 < len(origins) and origins[k + 1] == origins[i]:
                k += 1
            if k > i and k - i + 1 < len(origins):
                runs.append((i, k))
            i = k + 1
        if runs:
            paths = _insert_concats(ir, j, runs, paths)
            return nest_concats(ir, paths)
    return paths


def _origin(ir: IRGraph, cons: list[list[int]], u: int) -> int:
    """The fork a chain ending at ``u`` starts from (walking back single-use unary nodes)."""
    while len(ir.nodes[u].inputs) == 1 and len(cons[u]) == 1:
        u = ir.nodes[u].inputs[0]
    return ir.nodes[u].inputs[0] if len(ir.nodes[u].inputs) == 1 else u


def _insert_concats(ir: IRGraph, j: int, runs: list[tuple[int, int]],
                    paths: list[str] | None) -> list[str] | None:
    outer = ir.nodes[j]
    new_nodes = [INode(outer.name, "concat", {}, [outer.inputs[t] for t in range(a, b + 1)],
                       outer.shape, outer.origin + f":inner{n}") for n, (a, b) in enumerate(runs)]
    shift = len(new_nodes)
    for node in ir.nodes:
        node.inputs = [i + shift if i >= j else i for i in node.inputs]
    inputs: list[int] = []
    t = 0
    for n, (a, b) in enumerate(runs):
        inputs += outer.inputs[t:a] + [j + n]
        t = b + 1
    outer.inputs = inputs + outer.inputs[t:]
    for node in new_nodes:
        ins = [ir.nodes[i].shape for i in node.inputs]
        node.shape = (sum(s[0] for s in ins), *ins[0][1:])
    ir.nodes[j:j] = new_nodes
    ir.output += shift if ir.output >= j else 0
    if paths is not None:
        paths[j:j] = [paths[j]] * shift
    return paths
