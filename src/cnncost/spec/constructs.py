"""The constructs of a layer list: ``repeat``, ``for``, ``seq``, ``side``, ``parallel`` and
``residual`` (the handlers the builder, expand.py, dispatches to as ``_c_<construct>``).

Each handler takes the construct's value, the item's name and location, the input node, the
scope, the environment and whether the nodes are training-only, and returns the output node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..dims import Shape
from ..errors import CnnCostError, Loc, suggest
from ..expr import evaluate
from ..ops import MERGES, OPS, PROJECT_CONV, PROJECT_NORM, RESIDUAL_MERGE
from .limits import count, word
from .marked import LList, LMap

if TYPE_CHECKING:
    from .expand import _Scope


class Constructs:
    """The construct handlers, mixed into the builder (which gives ``seq``, ``op_node``,
    ``nodes``, ``step`` and ``aux``)."""

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
