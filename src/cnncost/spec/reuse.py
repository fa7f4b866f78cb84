"""Reusing a block's expansion within one build.

A block's layers depend only on the block, its bound arguments, the shape it is applied to,
whether that input needs a gradient (for the backward counts) and whether it sits in a
training-only side branch (the spec's globals are fixed for a build). So
the second ``bottleneck`` call with the same arguments on the same shape copies the first
call's nodes (renamed under its own prefix, inputs re-pointed) instead of walking the body and
applying every op rule again: ResNet-152 repeats one bottleneck 35 times in ``layer3``.
"""

from __future__ import annotations

from typing import Any

from ..dims import all_ints
from ..graph import Node


_PLAIN = (int, str, float, bool)


def _frozen(value: Any) -> Any:
    """A hashable key for a bound value that also tells 1, 1.0 and True apart."""
    if type(value) in _PLAIN:
        return (type(value), value)
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_frozen(v) for v in value))
    hash(value)  # TypeError for anything unhashable: that call is not reused
    return (type(value), value)


class _Template:
    """Nodes of one expansion: names relative to the block's prefix, inputs relative to its
    first node (-1: the block's input)."""

    __slots__ = ("nodes", "names", "inputs", "out", "steps")

    def __init__(self, nodes: list[Node], names: list[str], inputs: list[tuple[int, ...]],
                 out: int, steps: int):
        self.nodes, self.names, self.inputs, self.out = nodes, names, inputs, out
        self.steps = steps  # the expansion steps the first walk took (the budget's count)


class Expansions:
    """Recorded block expansions of one build, by (block, arguments, input shape, train)."""

    def __init__(self) -> None:
        self.done: dict[Any, Any] = {}  # key -> where its nodes lie, its _Template, or None

    def key(self, block: str, bound: dict[str, Any], node: Node, train: bool) -> Any:
        """The reuse key of a call on ``node``, or None when a value cannot be keyed. Whether
        the input needs a gradient is part of it (it decides the copies' backward counts)."""
        shape = node.shape
        try:
            args = tuple([(k, (type(v), v) if type(v) in _PLAIN else _frozen(v))
                          for k, v in sorted(bound.items())])
            dims = tuple(shape) if all_ints(shape) else _frozen(tuple(shape))
            return (block, args, dims, getattr(shape, "order", None), train,  # order: Permuted
                    node.needs_grad)
        except TypeError:
            return None

    def run(self, builder: Any, block: str, bound: dict[str, Any], reusable: bool, x: int,
            scope: Any, train: bool, loc: Any) -> int:
        """The output node of a call of ``block`` with ``bound`` arguments on node ``x``: a copy
        of an earlier call's nodes with the same key, else the walk of the block's body in
        ``scope`` (``builder.seq``), remembered for the next call. Inline blocks, whose layers
        continue the caller's numbering, are not ``reusable``."""
        nodes = builder.nodes
        key = self.key(block, bound, nodes[x], train) if reusable else None
        entry = self.done.get(key) if key is not None else None
        if entry is not None:
            template = entry if type(entry) is _Template else self._template(key)
            if template is not None:  # a copy costs the budget what the walk it copies did
                builder.spend(template.steps, loc)
                return self.replay(template, builder.extend, len(nodes), x, scope.prefix)
        start, steps = len(nodes), builder.steps
        out = builder.seq(builder.spec.blocks[block]["body"], x, scope,
                          {**builder.globals, **bound}, train, loc)
        if key is not None and key not in self.done:  # where the nodes lie: made a template
            self.done[key] = (nodes, start, len(nodes), x, out, scope.prefix,  # on first reuse
                              builder.steps - steps)
        return out

    def _template(self, key: Any) -> _Template | None:
        """The recorded call ``key`` (where its nodes lie) made a template, or None when its nodes
        are not self-contained (never the case for today's constructs): then it is expanded
        again."""
        nodes, start, stop, x, out, prefix, steps = self.done[key]
        made = nodes[start:stop]

        def rel(i: int) -> int | None:
            return -1 if i == x else (i - start if start <= i < stop else None)

        inputs = [tuple(rel(i) for i in n.inputs) for n in made]
        if any(n.name[:len(prefix)] != prefix for n in made) or rel(out) is None or any(
                None in ins for ins in inputs):
            self.done[key] = None
            return None
        t = self.done[key] = _Template(made, [n.name[len(prefix):] for n in made], inputs,
                                       rel(out), steps)
        return t

    def replay(self, t: _Template, extend: Any, count: int, x: int, prefix: str) -> int:
        """Append a copy of the expansion ``t`` on input ``x`` under ``prefix`` through
        ``extend`` (the builder's, which checks the names and the node limit); ``count`` is the
        number of nodes so far. Returns the output node's index. The copies share their
        records' dicts (args, parameter shapes) with the template: nodes are read-only."""
        base = count
        made = []
        for n, name, ins in zip(t.nodes, t.names, t.inputs):
            if len(ins) == 1:  # most layers: one input, inside the block or the block's input
                inputs = (x,) if ins[0] < 0 else (base + ins[0],)
            else:
                inputs = tuple([x if i < 0 else base + i for i in ins])
            made.append(Node(count, prefix + name, n.type, n.op, n.args, inputs, n.shape,
                             n.train_only, n.loc, n.param_shapes, n.buffer_shapes, n.macs,
                             n.other_ops, n.allocates, n.params, n.buffers, n.elements,
                             n.needs_grad, n.backward_macs, n.backward_other_ops))
            count += 1
        extend(made)
        return x if t.out < 0 else base + t.out
