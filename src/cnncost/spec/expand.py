"""Expand a spec into a graph of nodes, propagating shapes and costs as it goes.

One pass walks the layer list: blocks are called, ``repeat``/``for``/``when`` unroll, ``parallel``
and ``residual`` create merges, and every op node gets its output shape, parameter shapes and
per-sample costs from its op class. Works the same for ints and sympy dims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..dims import Permuted, Shape, channels_first, is_symbolic
from ..errors import CnnCostError, Loc, suggest
from ..expr import evaluate
from ..ops import MERGES, OPS, PROJECT_CONV, PROJECT_NORM, RESIDUAL_MERGE, Op
from .bindings import environment
from .limits import (MAX_STEPS, bounded, check_unique, check_word, count, expand_name,
                     too_many_steps, word)
from ..graph import MAX_NODES, Graph, Node
from .schema import Spec
from .marked import LList, LMap
from .reuse import Expansions

CONSTRUCTS = ("repeat", "for", "seq", "parallel", "residual", "side")
ITEM_KEYS = ("name", "when")


@dataclass
class _Scope:
    prefix: str
    counter: list[int] = field(default_factory=lambda: [0])

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


class Builder:
    """Walks a spec and appends nodes."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.graph = Graph(spec, (), [], 0, False, {})
        self.stack: list[str] = []
        self.steps = 0
        self.names: dict[str, Loc | None] = {}
        self.aux = False  # build train-only side branches strictly (else defer their errors)
        self.side_errors: list[CnnCostError] = []

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

    def _append(self, node: Node) -> int:
        """A copied node of a reused block expansion, under the same name checks as op_node."""
        check_unique(node.name, self.names, node.loc)
        self.names[node.name] = node.loc
        return self.graph.append(node)

    def op_node(self, op: Op, args: dict[str, Any], inputs: list[int], name: str,
                loc: Loc | None, train_only: bool) -> int:
        check_unique(name, self.names, loc)
        index = self.graph.add(op, args, inputs, name, loc, train_only)
        self.names[name] = loc
        if any(map(is_symbolic, self.nodes[index].shape)):
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
        if isinstance(item, str):
            kind, value, name = item, None, None
            label = kind if kind in CONSTRUCTS else str(scope.counter[0])
        elif isinstance(item, LMap):
            keys = [k for k in item if k not in ITEM_KEYS]
            if len(keys) != 1:
                what = "no op" if not keys else f"several ops ({', '.join(map(str, keys))})"
                raise CnnCostError(f"a layer needs exactly one op or construct, found {what}", loc)
            kind, value = str(keys[0]), item[keys[0]]
            name = item.get("name")
            if isinstance(name, str) and "{" in name:
                name = expand_name(name, env, loc)
            if name is not None and (not isinstance(name, (str, int)) or isinstance(name, bool)
                                     or not str(name) or "." in str(name)):
                raise CnnCostError("'name' must be a word without dots", loc)
            if isinstance(name, str):
                check_word(name, loc)
            name = None if name is None else str(name)
            label = name or (kind if kind in CONSTRUCTS else str(scope.counter[0]))
            if "when" in item:
                try:
                    cond = evaluate(item["when"], env)
                except CnnCostError as exc:
                    raise exc.with_context(loc, scope.prefix + label) from None
                if is_symbolic(cond):
                    raise CnnCostError("'when' condition depends on symbols", loc)
                if not cond:
                    return x
        else:
            raise CnnCostError(f"a layer must be an op name or a mapping, got {item!r}", loc)
        try:
            return self._dispatch(kind, value, name, loc, x, scope, env, train)
        except CnnCostError as exc:
            raise exc.with_context(loc, scope.prefix + label) from None
        except RecursionError:
            raise CnnCostError("blocks nest too deeply", loc) from None

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
        local = _in_vars(env, self.nodes[x].shape)
        bound: dict[str, Any] = {}
        for key, raw in value.items():
            if key not in declared:
                raise CnnCostError(f"block {block_name!r} has no argument {key!r}"
                                   + suggest(str(key), list(declared)),
                                   getattr(value, "key_locs", {}).get(key, loc))
            bound[key] = evaluate(raw, local)
        for key, default in declared.items():
            if key not in bound:
                if default is None:
                    raise CnnCostError(f"block {block_name!r} needs argument {key!r}", loc)
                try:
                    bound[key] = evaluate(default, {**self.globals, **bound})
                except CnnCostError as exc:
                    raise exc.with_context(getattr(declared, "key_locs", {}).get(key, loc),
                                           f"block {block_name}") from None
        inline = block.get("inline", False)
        inner = scope if inline else scope.child(scope.name_for(name))
        self.stack.append(block_name)
        try:  # the same block, arguments and shape give the same layers: reused (reuse.py)
            return self.reuse.run(self, block_name, bound, not inline, x, inner, train, loc)
        finally:
            self.stack.pop()

    # ---- constructs -----------------------------------------------------------------------
    def _fields(self, value: Any, loc: Loc, kind: str, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> LMap:
        if not isinstance(value, LMap):
            raise CnnCostError(f"{kind!r} needs a mapping with {', '.join(required or allowed)}",
                               loc)
        for key in value:
            if key not in allowed:
                raise CnnCostError(f"unknown key {key!r} in {kind!r}" + suggest(str(key), allowed),
                                   value.key_locs.get(key, loc))
        for key in required:
            if key not in value:
                raise CnnCostError(f"{kind!r} needs {key!r}", value.loc)
        return value

    def _c_repeat(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
                  env: dict[str, Any], train: bool) -> int:
        f = self._fields(value, loc, "repeat", ("n", "body", "var"), ("n", "body"))
        n = count(f["n"], env, "repeat count n", f.loc)
        var = word(f.get("var"), "'var' of repeat", f.loc)
        for i in range(n):
            self.step(f.loc)
            x = self.seq(f["body"], x, scope, {**env, var: i} if var else env, train, f.loc)
        return x

    def _c_for(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
               env: dict[str, Any], train: bool) -> int:
        f = self._fields(value, loc, "for", ("var", "in", "body", "index"), ("var", "in", "body"))
        seq = evaluate(f["in"], env)
        if not isinstance(seq, list):
            raise CnnCostError("'for' needs a list to walk over in 'in'", f.loc)
        var = word(f["var"], "'var' of for", f.loc)
        index = word(f.get("index"), "'index' of for", f.loc)
        for i, item in enumerate(seq):
            self.step(f.loc)
            local = {**env, var: item}
            if index:
                local[index] = i
            x = self.seq(f["body"], x, scope, local, train, f.loc)
        return x

    def _c_seq(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
               env: dict[str, Any], train: bool) -> int:
        body = value.get("body") if isinstance(value, LMap) else value
        return self.seq(body, x, scope.child(scope.name_for(name)), env, train, loc)

    def _c_side(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
                env: dict[str, Any], train: bool) -> int:
        f = self._fields(value, loc, "side", ("body", "train_only"), ("body",))
        train_only = f.get("train_only", True)
        if not isinstance(train_only, bool):
            raise CnnCostError("'train_only' must be true or false", f.loc)
        inner = scope.child(scope.name_for(name))
        if not train_only or self.aux:
            self.seq(f["body"], x, inner, env, True if train_only else train, f.loc)
            return x
        # a train-only head (Inception's AuxLogits) may not fit inputs the eval network takes:
        count, names = len(self.nodes), dict(self.names)  # its error waits for --aux
        try:
            self.seq(f["body"], x, inner, env, True, f.loc)
        except CnnCostError as exc:
            del self.nodes[count:]
            self.names = names
            exc.message = (f"train-only side branch {inner.prefix[:-1]!r} (built with --aux) "
                           f"does not fit this input: {exc.message}")
            self.side_errors.append(exc)
        return x

    def _merge(self, how: Any, inputs: list[int], scope: _Scope, name: str | None, loc: Loc,
               train: bool, inplace: Any) -> int:
        if how not in MERGES:
            raise CnnCostError(f"merge must be {', '.join(MERGES[:-1])} or {MERGES[-1]}, got "
                               f"{how!r}", loc)
        args = {"inplace": inplace} if "inplace" in OPS[how].args else {}
        return self.op_node(OPS[how], args, inputs, scope.prefix + (name or how), loc, train)

    def _c_parallel(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
                    env: dict[str, Any], train: bool) -> int:
        f = self._fields(value, loc, "parallel", ("branches", "merge", "inplace", "flat",
                                                  "merge_name"), ("branches", "merge"))
        branches = f["branches"]
        flat = f.get("flat", False)  # branches continue the enclosing scope (torchvision's Fire)
        if not isinstance(flat, bool):
            raise CnnCostError("'flat' must be true or false", f.loc)
        # a named flat parallel names only its merge (InceptionE's inner torch.cat)
        label = scope.name_for(name) if name else None
        outer = scope.child(label) if label and not flat else scope
        outs: list[int] = []
        if isinstance(branches, LMap):
            for bname, body in branches.items():
                where = branches.key_locs.get(bname, f.loc)
                inner = outer if flat else outer.child(outer.prefix + str(bname))
                outs.append(self.seq(body, x, inner, env, train, where))
        elif isinstance(branches, LList):
            for body, where in zip(branches, branches.marks):
                inner = outer if flat else outer.child(outer.name_for(None))
                outs.append(self.seq(body, x, inner, env, train, where))
        else:
            raise CnnCostError("'branches' must be a list of layer lists or a mapping", f.loc)
        if len(outs) < 2:
            raise CnnCostError("'parallel' needs at least two branches", f.loc)
        merge_name = word(f.get("merge_name"), "'merge_name'", f.loc) or (
            name if label and flat else None)
        return self._merge(f["merge"], outs, outer, merge_name, f.loc, train,
                           f.get("inplace", False))

    def _c_residual(self, value: Any, name: str | None, loc: Loc, x: int, scope: _Scope,
                    env: dict[str, Any], train: bool) -> int:
        f = self._fields(value, loc, "residual",
                         ("body", "shortcut", "merge", "stride", "shortcut_bn", "shortcut_name",
                          "inplace", "merge_name"), ("body",))
        inner = scope.child(scope.name_for(name)) if name else scope
        y = self.seq(f["body"], x, inner, env, train, f.loc)
        sc_name = word(f.get("shortcut_name", "downsample"), "'shortcut_name'", f.loc)
        shortcut = f.get("shortcut", "identity")
        merge = f.get("merge", RESIDUAL_MERGE)
        sc_scope = inner.child(inner.prefix + sc_name)
        if shortcut == "auto":
            shortcut = "identity" if self._same(self.nodes[x].shape, self.nodes[y].shape) else \
                "project"
        if shortcut == "identity":
            s = x
        elif shortcut == "project":
            stride = evaluate(f.get("stride", 1), env)
            s = self.op_node(PROJECT_CONV, {**PROJECT_CONV.args, "c": self.nodes[y].shape[0],
                                            "k": 1, "s": stride, "bias": False},
                             [x], sc_scope.name_for(None), f.loc, train)
            if f.get("shortcut_bn", True):
                s = self.op_node(PROJECT_NORM, dict(PROJECT_NORM.args), [s],
                                 sc_scope.name_for(None), f.loc, train)
        elif isinstance(shortcut, LList):
            s = self.seq(shortcut, x, sc_scope, env, train, f.loc)
        else:
            raise CnnCostError("'shortcut' must be identity, auto, project or a list of layers",
                               f.loc)
        first = merge in MERGES and OPS[merge].shortcut_first
        inputs = [s, y] if first else [y, s]
        return self._merge(merge, inputs, inner, word(f.get("merge_name"), "'merge_name'", f.loc),
                           f.loc, train, f.get("inplace", False))

    @staticmethod
    def _same(a: Shape, b: Shape) -> bool:
        from ..ops.merge import same_dim

        return len(a) == len(b) and all(same_dim(p, q) for p, q in zip(a, b))

    # ---- entry -----------------------------------------------------------------------------
    def run(self, input_shape: Shape, env: dict[str, Any]) -> int:
        self.globals, self.reuse = env, Expansions()
        self.nodes.append(Node(0, "input", "input", None, {}, (), input_shape, allocates=True))
        return self.seq(self.spec.layers, 0, _Scope(""), env, False, self.spec.layers.loc)


def build(spec: Spec, sets: dict[str, Any] | None = None,
          input: str | tuple | list | None = None, symbolic: bool = False) -> Graph:
    """Expand ``spec`` into a :class:`Graph` at the given input size and settings."""
    env, shape = environment(spec, sets, input, symbolic)
    builder = Builder(spec)
    out = builder.run(shape, env)
    graph = builder.graph
    # Symbols only enter through the environment and the input shape (expressions and ops
    # never make one from numbers), so without any there the nodes need no scan.
    is_sym = _has_symbols([*env.values(), *shape]) and (any(is_symbolic(d) for d in shape) or any(
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
