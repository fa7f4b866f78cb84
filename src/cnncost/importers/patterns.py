"""Fusing the multi-node forms exporters write for one activation.

``x * sigmoid(x)`` is SiLU, ``x * hardsigmoid(x)`` (alpha 1/6) is HardSwish,
``x * tanh(softplus(x))`` is Mish and ``0.5 * x * (1 + erf(x / sqrt 2))`` is the exact GELU.
Each becomes one node named after its last node, so the row shows one activation, as in torch.
"""

from __future__ import annotations

from .onnx_read import ONode


class _Index:
    def __init__(self, nodes: list[ONode]):
        self.producer: dict[str, int] = {}
        self.uses: dict[str, list[int]] = {}
        for i, n in enumerate(nodes):
            for o in n.outputs:
                self.producer[o] = i
            for t in n.inputs:
                self.uses.setdefault(t, []).append(i)
        self.nodes = nodes

    def only_use(self, tensor: str) -> int | None:
        uses = self.uses.get(tensor, [])
        return uses[0] if len(uses) == 1 else None

    def made_by(self, tensor: str, op: str) -> ONode | None:
        i = self.producer.get(tensor)
        return self.nodes[i] if i is not None and self.nodes[i].op == op else None


def _gate(ix: _Index, mul: ONode, gate_ops: tuple[str, ...]) -> tuple[str, list[int]] | None:
    """``x * g(x)`` with ``g`` a chain of ``gate_ops`` used only here: (x, chain node indices)."""
    if mul.op != "Mul" or len(mul.inputs) != 2:
        return None
    for gate_in, x in (mul.inputs, mul.inputs[::-1]):
        chain: list[int] = []
        tensor = gate_in
        for op in reversed(gate_ops):
            node = ix.made_by(tensor, op)
            if node is None or ix.only_use(tensor) is None:
                break
            chain.append(ix.producer[tensor])
            tensor = node.inputs[0] if node.inputs else ""
        else:
            if tensor == x:
                return x, chain
    return None


def _hardsigmoid_ok(node: ONode) -> bool:
    return abs(float(node.attrs.get("alpha", 0.2)) - 1 / 6) < 1e-6 and \
        float(node.attrs.get("beta", 0.5)) == 0.5


def _gelu(ix: _Index, erf_i: int) -> tuple[str, list[int], int] | None:
    """Div(x, c) -> Erf -> Add(, 1) -> Mul(x, ) -> Mul(, 0.5): (x, absorbed, last node)."""
    erf = ix.nodes[erf_i]
    div = ix.made_by(erf.inputs[0], "Div")
    add_i = ix.only_use(erf.outputs[0])
    if div is None or add_i is None or ix.nodes[add_i].op != "Add":
        return None
    x = div.inputs[0]
    mul_i = ix.only_use(ix.nodes[add_i].outputs[0])
    if mul_i is None or ix.nodes[mul_i].op != "Mul" or x not in ix.nodes[mul_i].inputs:
        return None
    half_i = ix.only_use(ix.nodes[mul_i].outputs[0])
    if half_i is None or ix.nodes[half_i].op != "Mul":
        return None
    absorbed = [ix.producer[erf.inputs[0]], erf_i, add_i, mul_i]
    return x, absorbed, half_i


def fuse(nodes: list[ONode]) -> list[ONode]:
    """The node list with activation patterns replaced by single ``cnncost:*`` nodes."""
    ix = _Index(nodes)
    drop: set[int] = set()
    replace: dict[int, ONode] = {}
    for i, n in enumerate(nodes):
        if n.op == "Erf":
            hit = _gelu(ix, i)
            if hit:
                x, absorbed, last = hit
                drop.update(absorbed)
                replace[last] = ONode(nodes[last].name, "cnncost:gelu", "ai.onnx", [x],
                                      nodes[last].outputs)
            continue
        for ops, fused in ((("Softplus", "Tanh"), "cnncost:mish"), (("Sigmoid",), "cnncost:silu"),
                           (("HardSigmoid",), "cnncost:hardswish")):
            hit = _gate(ix, n, ops) if i not in drop else None
            if hit and (fused != "cnncost:hardswish" or _hardsigmoid_ok(nodes[hit[1][0]])):
                drop.update(hit[1])
                replace[i] = ONode(n.name, fused, "ai.onnx", [hit[0]], n.outputs)
                break
    return [replace.get(i, n) for i, n in enumerate(nodes) if i not in drop]
