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
    #: learnable parameter count, buffer element count (BN running statistics) and output
    #: elements per sample: the op record's sums over the shapes (``Graph.add``, ``input``)
    params: Any = 0
    buffers: Any = 0
    elements: Any = 0
    #: does its output need a gradient in training (it has parameters, or an input does)?
    needs_grad: bool = False
    #: per sample, in a training step (analysis/training.py)
    backward_macs: Any = 0
    backward_other_ops: Any = 0

    @classmethod
    def input(cls, shape: Shape) -> Node:
        """The graph's input node (the data: no parameters, no gradient)."""
        return cls(0, "input", "input", None, {}, (), shape, elements=prod(shape))

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
    side_errors: tuple[Exception, ...] = ()  # train-only heads that did not fit (raised by nodes_for)

    def nodes_for(self, train: bool) -> list[Node]:
        """The nodes an analysis uses: with ``train`` also the train-only heads, whose build
        errors (deferred at inference) are raised here."""
        if train and self.side_errors:
            raise self.side_errors[0]
        return [n for n in self.nodes if train or not n.train_only]

    @property
    def name(self) -> str:
        return self.spec.name

    def add(self, op: Op, args: dict[str, Any], inputs: list[int], name: str,
            loc: Loc | None = None, train_only: bool = False) -> int:
        """Apply ``op`` (its rules: :meth:`Op.apply`) to the outputs of the nodes ``inputs``
        and append the new node; its index."""
        if len(self.nodes) >= MAX_NODES:
            raise CnnCostError(f"network expands to more than {MAX_NODES:,} layers")
        nodes = self.nodes
        ins = [nodes[i].shape for i in inputs]
        r = op.apply(args, ins)
        # the record's dicts are shared with the memo and with copies of the node: read-only
        grads = tuple([nodes[i].needs_grad for i in inputs])
        needs_grad = bool(r.param_shapes) or any(grads)
        bmacs, bother = r.backward_counts(op, ins, grads) if needs_grad else (0, 0)
        return self.append(Node(
            len(nodes), name, op.name, op, r.args, tuple(inputs), r.shape, train_only, loc,
            r.param_shapes, r.buffer_shapes, r.macs, r.other_ops, r.allocates, r.params,
            r.buffers, r.elements, needs_grad, bmacs, bother))

    def append(self, node: Node) -> int:
        """Append a made node; its index."""
        if len(self.nodes) >= MAX_NODES:
            raise CnnCostError(f"network expands to more than {MAX_NODES:,} layers")
        self.nodes.append(node)
        return len(self.nodes) - 1

    def extend(self, made: list[Node]) -> None:
        """Append made nodes (copies, when a block's expansion is reused)."""
        if len(self.nodes) + len(made) > MAX_NODES:
            raise CnnCostError(f"network expands to more than {MAX_NODES:,} layers")
        self.nodes.extend(made)
