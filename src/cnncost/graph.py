"""The expanded network: nodes in topological order, each with its shape and per-sample costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .dims import Shape, prod
from .errors import CnnCostError, Loc
from .ops import Op
from .spec.schema import Spec


@dataclass(slots=True)
class Node:
    """One op application in the expanded graph. Costs are per sample."""

    index: int
    name: str
    type: str
    op: Op | None
    args: dict[str, Any]
    inputs: tuple[int, ...]
    shape: Shape
    train_only: bool = False
    loc: Loc | None = None
    param_shapes: dict[str, tuple] = field(default_factory=dict)
    buffer_shapes: dict[str, tuple] = field(default_factory=dict)
    macs: Any = 0
    other_ops: Any = 0
    allocates: bool = True

    @property
    def params(self) -> Any:
        """Learnable parameter count."""
        return sum((prod(s) for s in self.param_shapes.values()), 0)

    @property
    def buffers(self) -> Any:
        """Buffer element count (BN running statistics)."""
        return sum((prod(s) for s in self.buffer_shapes.values()), 0)

    @property
    def elements(self) -> Any:
        """Output elements per sample."""
        return prod(self.shape)

    def state_key(self, tensor: str) -> str:
        """The torch ``state_dict`` key of one of this node's tensors."""
        owner = self.name
        if self.op is not None and self.op.tensors_on_parent:
            owner = owner.rpartition(".")[0]
        return f"{owner}.{tensor}" if owner else tensor


#: the most nodes one network may expand to
MAX_NODES = 100_000


@dataclass
class Graph:
    """The expanded network; ``nodes[0]`` is the input."""

    spec: Spec
    input_shape: Shape
    nodes: list[Node]
    output: int
    symbolic: bool
    env: dict[str, Any]

    @property
    def name(self) -> str:
        return self.spec.name

    def add(self, op: Op, args: dict[str, Any], inputs: list[int], name: str,
            loc: Loc | None = None, train_only: bool = False) -> int:
        """Apply ``op`` (its rules: :meth:`Op.apply`) to the outputs of the nodes ``inputs``
        and append the new node; its index."""
        if len(self.nodes) >= MAX_NODES:
            raise CnnCostError(f"network expands to more than {MAX_NODES:,} layers")
        r = op.apply(args, [self.nodes[i].shape for i in inputs])
        self.nodes.append(Node(
            index=len(self.nodes), name=name, type=op.name, op=op, args=dict(r.args),
            inputs=tuple(inputs), shape=r.shape, train_only=train_only, loc=loc,
            param_shapes=dict(r.param_shapes), buffer_shapes=dict(r.buffer_shapes), macs=r.macs,
            other_ops=r.other_ops, allocates=r.allocates,
        ))
        return len(self.nodes) - 1
