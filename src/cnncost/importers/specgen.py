"""Recovered items -> a spec (a dict) -> YAML text a person would keep.

Names become nested ``seq`` scopes, so row names equal the module paths; ``parallel`` branches
are ``flat`` (they continue the enclosing scope), a one-branch fork with an identity is a
``residual``. Op items are written one per line in flow style.
"""

from __future__ import annotations

from typing import Any

from ..dims import is_symbolic
from .ir import IRGraph
from .structure import OpItem, item_nodes


class _Emitter:
    def __init__(self, ir: IRGraph):
        self.ir = ir

    def names(self, item: Any) -> list[str]:
        idxs = [item.idx] if isinstance(item, OpItem) else item_nodes([item])
        return [self.ir.nodes[i].name for i in idxs]

    def key(self, item: Any, prefix: str) -> str | None:
        """The scope component all names of ``item`` share below ``prefix``, if any."""
        rests = [n[len(prefix):] for n in self.names(item)]
        firsts = {r.split(".")[0] for r in rests}
        if len(firsts) == 1 and all("." in r for r in rests):
            return firsts.pop()
        return None

    def items(self, items: list, prefix: str) -> list:
        out: list = []
        i = 0
        while i < len(items):
            key = self.key(items[i], prefix)
            if key is None:
                out.append(self.item(items[i], prefix))
                i += 1
                continue
            j = i
            while j < len(items) and self.key(items[j], prefix) == key:
                j += 1
            out.append({"name": key, "seq": self.items(items[i:j], f"{prefix}{key}.")})
            i = j
        return out

    def item(self, item: Any, prefix: str) -> Any:
        if isinstance(item, OpItem):
            node = self.ir.nodes[item.idx]
            return {node.op: dict(node.args), "name": node.name[len(prefix):]}
        merge = self.ir.nodes[item.merge].op
        empty = [b for b in item.branches if not b]
        full = [b for b in item.branches if b]
        if len(empty) == 1 and len(full) == 1 and (merge != "concat" or not item.branches[0]):
            body = {"body": self.items(full[0], prefix)}
            if merge != "add":
                body["merge"] = merge
            if self.ir.nodes[item.merge].args.get("inplace"):
                body["inplace"] = True  # torch's `out += identity`
            return {"residual": body}
        if len(full) == 2 and not empty and merge == "add" and all(
                n.startswith(prefix + "downsample.") for n in self.names_of(full[1])):
            return {"residual": {"body": self.items(full[0], prefix),
                                 "shortcut": self.items(full[1], prefix + "downsample.")}}
        return {"parallel": {"flat": True, "merge": merge,
                             "branches": [self.items(b, prefix) for b in item.branches]}}

    def names_of(self, items: list) -> list[str]:
        return [self.ir.nodes[i].name for i in item_nodes(items)]


def to_spec(ir: IRGraph, items: list, name: str | None = None) -> dict[str, Any]:
    """The spec document for recovered ``items`` of ``ir``."""
    shape = [str(d) if is_symbolic(d) else d for d in ir.input_shape]
    spec: dict[str, Any] = {"cnncost": 1, "name": name or ir.name, "source": ir.source,
                            "input": shape}
    if ir.symbols:
        spec["symbols"] = {s: None for s in ir.symbols}
    if ir.notes:
        spec["notes"] = "; ".join(ir.notes)
    if ir.not_counted:
        spec["not_counted"] = list(ir.not_counted)
    spec["layers"] = _Emitter(ir).items(items, "")
    return spec
