"""Row names for imported nodes: module paths where the exporter kept them, else node names.

The TorchScript ONNX exporter names nodes ``/layer1/layer1.0/conv1/Conv``: the scopes give the
module path ``layer1.0.conv1``. A module that exported one node takes the module's path; other
nodes get ``<module path>.<op>`` (``layer1.0.add``, like cnncost's own merge names).
"""

from __future__ import annotations

from collections import Counter

from .ir import IRGraph, word


def scope_of(origin: str) -> tuple[str, str]:
    """``/layer1/layer1.0/conv1/Conv`` -> (``layer1.0.conv1``, ``Conv``)."""
    parts = [p for p in origin.split("/") if p]
    if len(parts) <= 1:
        return "", parts[0] if parts else origin
    comps: list[str] = []
    for p in parts[:-1]:  # a part names a module relative to one of its ancestors
        for k in range(len(comps), 0, -1):
            if p.startswith(".".join(comps[-k:]) + "."):
                comps = comps[:-k] + p.split(".")
                break
        else:
            comps += p.split(".")
    path = ".".join(comps)
    return path, parts[-1]


def _clean(path: str) -> str:
    return ".".join(word(p) for p in path.split(".") if p)


def assign_names(ir: IRGraph, paths: list[str] | None = None) -> None:
    """Give every IR node a unique dotted row name (``paths``: module paths given directly)."""
    scopes = []
    for i, node in enumerate(ir.nodes[1:], 1):
        if paths is not None:
            path, last = paths[i], node.op
        else:
            path, last = scope_of(node.origin)
        scopes.append((_clean(path), word(last.split(":")[0]).lower()))
    count = Counter(p for p, _ in scopes if p)
    prefixes = {p.rsplit(".", i)[0] for p in count for i in range(1, p.count(".") + 1)}
    seen: Counter = Counter()
    for node, (path, last) in zip(ir.nodes[1:], scopes):
        is_merge = node.op in ("add", "mul", "concat")
        if path and path not in prefixes and not is_merge:
            name = path  # a leaf module; a module used again gets _1, _2 (like torch.onnx)
        else:
            tail = node.op if is_merge else last
            name = f"{path}.{tail}" if path else tail
        seen[name] += 1
        node.name = name if seen[name] == 1 else f"{name}_{seen[name] - 1}"
