"""Series-parallel recovery: an imported DAG -> nested ``parallel``/``residual`` items.

A node with several consumers forks; its join is its immediate post-dominator, which must be a
merge (add, mul, concat). Between them each consumer starts one branch, walked until it reaches
the join; a consumer that *is* the join is an identity branch (a residual shortcut; an SE gate is
a residual with merge ``mul``). Graphs that are not series-parallel are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CnnCostError
from ..ops import OPS
from .ir import IRGraph


@dataclass
class OpItem:
    """One op of the network."""

    idx: int


@dataclass
class ParItem:
    """Branches from one input, merged by node ``merge`` (branch ``[]`` is the identity)."""

    branches: list[list]
    merge: int
    nodes: list[int] = field(default_factory=list)  # every node inside, merge included


class _Recovery:
    def __init__(self, ir: IRGraph, where: str):
        self.ir, self.where = ir, where
        self.live = _live(ir)
        self.succ = [[c for c in cs if self.live[c]] for cs in ir.consumers()]
        self.ip = self._postdominators()

    def _postdominators(self) -> list[int]:
        n, out = len(self.ir.nodes), self.ir.output
        ip = list(range(n))

        def meet(a: int, b: int) -> int:
            while a != b:
                while a < b:
                    a = ip[a]
                while b < a:
                    b = ip[b]
            return a

        for v in range(out - 1, -1, -1):
            if self.live[v] and self.succ[v]:
                cur = self.succ[v][0]
                for s in self.succ[v][1:]:
                    cur = meet(cur, s)
                ip[v] = cur
        return ip

    def fail(self, idx: int, why: str) -> CnnCostError:
        node = self.ir.nodes[idx]
        return CnnCostError(f"{self.where}: node {node.origin or node.name!r} ({node.op}): {why}")

    def merge_like(self, idx: int) -> bool:
        op = self.ir.nodes[idx].op
        return op in OPS and OPS[op].arity is None

    def walk(self, x: int, target: int) -> list:
        """Items that take node x's output to node target's output."""
        items: list = []
        while x != target:
            succ = self.succ[x]
            if not succ:
                raise self.fail(x, "its output is never used")
            if len(succ) == 1 and not self.merge_like(succ[0]):
                items.append(OpItem(succ[0]))
                x = succ[0]
                continue
            j = self.ip[x]
            items.append(self.fork(x, j))
            x = j
        return items

    def branch(self, c: int, join: int) -> tuple[int, list]:
        """From consumer c of a fork until a node that feeds the join: (end node, items)."""
        if self.merge_like(c):
            raise self.fail(c, "merges tensors from different forks: the graph is not "
                               "series-parallel (cnncost specs branch only in parallel/residual)")
        items: list = [OpItem(c)]
        v = c
        while join not in self.succ[v]:
            if len(self.succ[v]) == 1 and not self.merge_like(self.succ[v][0]):
                v = self.succ[v][0]
                items.append(OpItem(v))
                continue
            k = self.ip[v]
            if k == join or not self.succ[v]:
                raise self.fail(v, "its branches join other branches: the graph is not "
                                   "series-parallel")
            items.append(self.fork(v, k))
            v = k
        if self.succ[v] != [join]:
            raise self.fail(v, "feeds a merge and other layers too: the graph is not "
                               "series-parallel")
        return v, items

    def fork(self, x: int, j: int) -> ParItem:
        if not self.merge_like(j):
            raise self.fail(j, "joins branches but is not a merge (add, mul, concat)")
        ends: dict[int, list] = {}
        for c in self.succ[x]:
            if c != j:
                end, items = self.branch(c, j)
                ends[end] = items
        branches = []
        for u in self.ir.nodes[j].inputs:
            if u == x:
                branches.append([])
            elif u in ends:
                branches.append(ends.pop(u))
            else:
                raise self.fail(j, "merges a tensor from outside its fork: the graph is not "
                                   "series-parallel")
        nodes = [j, *(i for b in branches for i in item_nodes(b))]
        return ParItem(branches, j, nodes)


def item_nodes(items: list) -> list[int]:
    """Every node index inside a list of items."""
    out: list[int] = []
    for item in items:
        out.extend([item.idx] if isinstance(item, OpItem) else item.nodes)
    return out


def _live(ir: IRGraph) -> list[bool]:
    """Nodes the output depends on."""
    live = [False] * len(ir.nodes)
    live[ir.output] = True
    for i in range(ir.output, -1, -1):
        if live[i]:
            for j in ir.nodes[i].inputs:
                live[j] = True
    return live


def recover(ir: IRGraph, where: str) -> list:
    """The network as a list of items from the input to the output."""
    if ir.output == 0:
        raise CnnCostError(f"{where}: the graph's output is its input (no layers)")
    return _Recovery(ir, where).walk(0, ir.output)
