"""Expand a spec into a graph of nodes, propagating shapes and costs as it goes.

One pass walks the layer list: blocks are called, ``repeat``/``for``/``when`` unroll, ``parallel``
and ``residual`` create merges, and every op node gets its output shape, parameter shapes and
per-sample costs from its op class. Works the same for ints and sympy dims.
"""

from __future__ import annotations

from typing import Any

from ..dims import Permuted, Shape, channels_first, is_symbolic
from ..errors import CnnCostError, Loc, suggest
from ..expr import evaluate
from ..ops import OPS, Op
from .bindings import environment
from .limits import (MAX_STEPS, bounded, check_unique, check_word, expand_name,
                     too_many_steps)
from ..graph import Graph, Node
from .schema import Spec
from .marked import LList, LMap
from .reuse import Expansions
from .constructs import Constructs

CONSTRUCTS = ("repeat", "for", "seq", "parallel", "residual", "side")
ITEM_KEYS = ("name", "when")
_ALWAYS = object()  # an item without 'when'


def _label(kind: str, name: str | None, counter: int) -> str:
    """How an error names an item: its name, its construct, or its place in the scope."""
    return name or (kind if kind in CONSTRUCTS else str(counter))


class _Scope:
    """Where names are made: a dotted prefix and a counter for unnamed layers."""

    __slots__ = ("prefix", "counter")

    def __init__(self, prefix: str, counter: list[int] | None = None):
        self.prefix = prefix
        self.counter = [0] if counter is None else counter

    def name_for(self, explicit: str | None) -> str:
        index = self.counter[0]
        self.counter[0] += 1
        return self.prefix + (explicit if explicit is not None else str(index))

    def child(self, name: str) -> _Scope:
        return _Scope(name + ".")


def _in_vars(env: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """The environment plus ``in.c`` (and ``in.h``, ``in.w``) of an input in any layout."""
    if type(shape) is Permuted:
        shape = channels_first(shape)
    local = {**env, "in.c": shape[0]}
    if len(shape) == 3:
        local["in.h"], local["in.w"] = shape[1], shape[2]
    return local


class Builder(Constructs):
    """Walks a spec and appends nodes (the constructs' handlers: constructs.py)."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.graph = Graph(spec, (), [], 0, False, {})
        self.stack: list[str] = []
        self.steps = 0
        self.names: dict[str, Loc | None] = {}
        self.aux = False  # build train-only side branches strictly (else defer their errors)
        self.side_errors: list[CnnCostError] = []
        self.symbols = True  # whether sizes may be symbolic (run() finds out)
        self.parsed: dict[int, tuple[Any, ...]] = {}  # id(item) -> _parse(item), per build

    def step(self, loc: Loc | None) -> None:
        """Count expansion work (items, iterations, calls) against one budget."""
        self.spend(1, loc)

    def spend(self, steps: int, loc: Loc | None) -> None:
        """Count ``steps`` of expansion work (a reused block's copy: its first walk's)."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            too_many_steps(loc)

    # ---- nodes --------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        return self.graph.nodes

    def extend(self, made: list[Node]) -> None:
        """The copied nodes of a reused block expansion, under the same checks as op_node."""
        names = self.names
        for node in made:
            check_unique(node.name, names, node.loc)
            names[node.name] = node.loc
        self.graph.extend(made)

    def op_node(self, op: Op, args: dict[str, Any], inputs: list[int], name: str,
                loc: Loc | None, train_only: bool) -> int:
        names = self.names
        check_unique(name, names, loc)
        index = self.graph.add(op, args, inputs, name, loc, train_only)
        names[name] = loc
        if self.symbols and any(map(is_symbolic, self.nodes[index].shape)):
            for d in self.nodes[index].shape:
                bounded(d, loc)
        return index

    # ---- items --------------------------------------------------------------------------
    def seq(self, items: Any, x: int, scope: _Scope, env: dict[str, Any], train: bool,
            where: Loc | None) -> int:
        if not isinstance(items, LList):
            raise CnnCostError("expected a list of layers", getattr(items, "loc", where))
        for item, loc in zip(items, items.marks):
            x = self.item(item, loc, x, scope, env, train)
        return x

    def item(self, item: Any, loc: Loc, x: int, scope: _Scope, env: dict[str, Any],
             train: bool) -> int:
        self.step(loc)
        parsed = self.parsed.get(id(item)) if type(item) is LMap else None
        if parsed is None:
            parsed = self._parse(item, loc, env)
        kind, value, name, when = parsed
        if name is not None and "{" in name:  # a templated name: per visit
            name = self._name(name, env, loc)
        counter = scope.counter[0]  # for the label of an error (a layer's default name)
        if when is not _ALWAYS:
            try:
                cond = evaluate(when, env)
            except CnnCostError as exc:
                raise exc.with_context(loc, scope.prefix + _label(kind, name, counter)) from None
            if is_symbolic(cond):
                raise CnnCostError("'when' condition depends on symbols", loc)
            if not cond:
                return x
        try:
            return self._dispatch(kind, value, name, loc, x, scope, env, train)
        except CnnCostError as exc:
            raise exc.with_context(loc, scope.prefix + _label(kind, name, counter)) from None
        except RecursionError:
            raise CnnCostError("blocks nest too deeply", loc) from None

    def _parse(self, item: Any, loc: Loc, env: dict[str, Any]) -> tuple[Any, ...]:
        """(kind, value, name, when) of a layer item, checked; a mapping's is kept for its
        next visit (repeated blocks walk the same items again), a templated name is not
        expanded here."""
        if isinstance(item, str):
            return item, None, None, _ALWAYS
        if not isinstance(item, LMap):
            raise CnnCostError(f"a layer must be an op name or a mapping, got {item!r}", loc)
        keys = [k for k in item if k not in ITEM_KEYS]
        if len(keys) != 1:
            what = "no op" if not keys else f"several ops ({', '.join(map(str, keys))})"
            raise CnnCostError(f"a layer needs exactly one op or construct, found {what}", loc)
        name = item.get("name")
        if name is not None and not (isinstance(name, str) and "{" in name):
            name = self._name(name, env, loc)
        parsed = (str(keys[0]), item[keys[0]], name, item.get("when", _ALWAYS))
        self.parsed[id(item)] = parsed  # the spec (which holds every item) outlives the build
        return parsed

    @staticmethod
    def _name(name: Any, env: dict[str, Any], loc: Loc) -> str:
        """An item's ``name``: templated (``"block{i}"``), a word without dots."""
        if isinstance(name, str) and "{" in name:
            name = expand_name(name, env, loc)
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name) or \
                "." in str(name):
            raise CnnCostError("'name' must be a word without dots", loc)
        if isinstance(name, str):
            check_word(name, loc)
        return str(name)

    def _dispatch(self, kind: str, value: Any, name: str | None, loc: Loc, x: int,
                  scope: _Scope, env: dict[str, Any], train: bool) -> int:
        if kind in OPS:
            return self._op(OPS[kind], value, name, loc, x, scope, env, train)
        if kind in self.spec.blocks:
            return self._call(kind, value, name, loc, x, scope, env, train)
        handler = getattr(self, "_c_" + kind, None) if kind in CONSTRUCTS else None
        if handler is None:
            choices = list(OPS) + list(self.spec.blocks) + list(CONSTRUCTS)
            raise CnnCostError(f"unknown op or block {kind!r}" + suggest(kind, choices), loc)
        return handler(value, name, loc, x, scope, env, train)

    def _op(self, op: Op, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
            env: dict[str, Any], train: bool) -> int:
        if op.arity != 1:
            raise CnnCostError(f"{op.name!r} merges branches; use it as 'merge:' of parallel or "
                               "residual", loc)
        path = scope.name_for(name)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise CnnCostError(f"arguments of {op.name!r} must be a mapping like "
                               f"{{{next(iter(op.args), 'k')}: ...}}", loc)
        args = op.bind(value, _in_vars(env, self.nodes[x].shape), loc, path)
        try:
            return self.op_node(op, args, [x], path, loc, train)
        except CnnCostError as exc:
            raise exc.with_context(loc, path) from None

    def _call(self, block_name: str, value: Any, name: str | None, loc: Loc, x: int,
              scope: _Scope, env: dict[str, Any], train: bool) -> int:
        block = self.spec.blocks[block_name]
        if block_name in self.stack:
            chain = " -> ".join([*self.stack, block_name])
            raise CnnCostError(f"recursive block use: {chain}", loc)
        declared = block.get("args") or {}
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise CnnCostError(f"arguments of block {block_name!r} must be a mapping", loc)
        bound = self._bind_block(block_name, declared, value, env, x, loc)
        inline = block.get("inline", False)
        inner = scope if inline else scope.child(scope.name_for(name))
        self.stack.append(block_name)
        try:  # the same block, arguments and shape give the same layers: reused (reuse.py)
            return self.reuse.run(self, block_name, bound, not inline, x, inner, train, loc)
        finally:
            self.stack.pop()

    def _bind_block(self, block_name: str, declared: Any, value: Any, env: dict[str, Any],
                    x: int, loc: Loc) -> dict[str, Any]:
        """A call's arguments: given ones evaluated where the call is (with ``in.c``...), the
        missing ones from their defaults, which see the globals and the arguments so far."""
        local = None
        bound: dict[str, Any] = {}
        for key, raw in value.items():
            if key not in declared:
                raise CnnCostError(f"block {block_name!r} has no argument {key!r}"
                                   + suggest(str(key), list(declared)),
                                   getattr(value, "key_locs", {}).get(key, loc))
            if local is None and type(raw) is not int:
                local = _in_vars(env, self.nodes[x].shape)
            bound[key] = evaluate(raw, local)
        scope = None
        for key, default in declared.items():
            if key in bound:
                continue
            if default is None:
                raise CnnCostError(f"block {block_name!r} needs argument {key!r}", loc)
            if scope is None:
                scope = {**self.globals, **bound}
            try:
                bound[key] = scope[key] = evaluate(default, scope)
            except CnnCostError as exc:
                raise exc.with_context(getattr(declared, "key_locs", {}).get(key, loc),
                                       f"block {block_name}") from None
        return bound

    # ---- entry -----------------------------------------------------------------------------
    def run(self, input_shape: Shape, env: dict[str, Any]) -> int:
        self.globals, self.reuse = env, Expansions()
        # symbols enter only through the environment and the input shape (expressions and ops
        # never make one from numbers): without any, no shape needs the size check
        self.symbols = _has_symbols([*env.values(), *input_shape])
        self.nodes.append(Node.input(input_shape))
        return self.seq(self.spec.layers, 0, _Scope(""), env, False, self.spec.layers.loc)


def build(spec: Spec, sets: dict[str, Any] | None = None,
          input: str | tuple | list | None = None, symbolic: bool = False) -> Graph:
    """Expand ``spec`` into a :class:`Graph` at the given input size and settings."""
    env, shape = environment(spec, sets, input, symbolic)
    builder = Builder(spec)
    out = builder.run(shape, env)
    graph = builder.graph
    # without symbols in the environment and the input shape (builder.symbols) the nodes
    # need no scan
    is_sym = builder.symbols and (any(is_symbolic(d) for d in shape) or any(
        is_symbolic(n.macs) or any(is_symbolic(d) for d in n.shape) or is_symbolic(n.params)
        for n in graph.nodes
    ))
    graph.input_shape, graph.output, graph.symbolic, graph.env = shape, out, is_sym, env
    graph.side_errors = tuple(builder.side_errors)
    return graph


def _has_symbols(values: Any) -> bool:
    """Whether a list (of lists) holds anything but plain numbers and text."""
    return any(_has_symbols(v) if isinstance(v, (list, tuple)) else is_symbolic(v)
               for v in values)
