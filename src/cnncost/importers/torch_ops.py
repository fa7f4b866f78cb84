"""aten op handlers for the ``torch.export`` importer: each maps a node onto a cnncost op."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import CnnCostError
from ..ops import OPS
from .ir import IRGraph
from .values import Const, Data

Handler = Callable[["TorchWalker", Any], Any]
ATEN: dict[str, Handler] = {}


def aten(*names: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        for name in names:
            ATEN[name] = fn
        return fn
    return wrap


def op_name(node: Any) -> str:
    """``aten.conv2d.default`` -> ``conv2d``; ``operator.getitem`` -> ``getitem``."""
    text = str(node.target)
    parts = text.split(".")
    return parts[1] if text.startswith("aten.") and len(parts) > 1 else getattr(
        node.target, "__name__", text)


class TorchWalker:
    """Walks an ExportedProgram's graph, binding fx nodes to Data / Const / lists."""

    def __init__(self, program: Any, size: tuple, dynamic: bool, where: str):
        from ..spec.bindings import make_symbol

        self.program, self.where = program, where
        shape = tuple(size)
        if dynamic and len(size) == 3:
            shape = (size[0], make_symbol("H"), make_symbol("W"))
        self.static = not dynamic
        self.ir = IRGraph(word_name(where), where, shape)
        self.ir.symbols = ["H", "W"] if dynamic and len(size) == 3 else []
        self.env: dict[Any, Any] = {}
        self.paths: list[str] = [""]
        self.classes: dict[str, str] = {}
        self.node: Any = None

    def fail(self, message: str) -> CnnCostError:
        n = self.node
        path = self.path(n) if n is not None else ""
        where = f"node {n.name!r} ({op_name(n)}" + (f", in module {path!r})" if path else ")")
        return CnnCostError(f"{self.where}: {where}: {message}")

    def path(self, node: Any) -> str:
        stack = node.meta.get("nn_module_stack") or {}
        for fqn, cls in stack.values():
            name = cls if isinstance(cls, str) else getattr(cls, "__name__", str(cls))
            self.classes.setdefault(_fqn(fqn), name.rsplit(".", 1)[-1])
        return _fqn(list(stack.values())[-1][0]) if stack else ""

    def arg(self, i: int, name: str, default: Any = None) -> Any:
        n = self.node
        return n.args[i] if len(n.args) > i else n.kwargs.get(name, default)

    def value(self, ref: Any) -> Any:
        if hasattr(ref, "op") and hasattr(ref, "meta"):  # an fx node
            if ref not in self.env:
                raise self.fail(f"input {ref.name!r} has no value (an unsupported producer)")
            return self.env[ref]
        if isinstance(ref, (list, tuple)):
            return [self.value(r) for r in ref]
        return ref

    def data(self, i: int = 0, name: str = "input") -> int:
        v = self.value(self.arg(i, name))
        if not isinstance(v, Data):
            raise self.fail(f"argument {i} must be an activation")
        return v.idx

    def is_data(self, ref: Any) -> bool:
        return isinstance(self.value(ref), Data)

    def shape(self, idx: int) -> tuple:
        return self.ir.nodes[idx].shape

    def emit(self, op: str, args: dict[str, Any], inputs: list[int], inplace: bool | None = None,
             check: bool = True) -> Data:
        if inplace is not None and "inplace" in OPS[op].args and \
                inplace != OPS[op].inplace_default:
            args = {**args, "inplace": inplace}
        idx = self.ir.add(op, args, inputs, "", self.node.name)
        self.paths.append(self.path(self.node))
        if check:
            self._check_shape(idx)
        return Data(idx)

    def _check_shape(self, idx: int) -> None:
        val = self.node.meta.get("val")
        if not self.static or not hasattr(val, "shape"):
            return
        want = tuple(int(d) for d in val.shape[1:])
        if tuple(self.shape(idx)) != want:
            raise self.fail(f"cnncost computes shape {self.shape(idx)} where torch has {want}")

    def run(self) -> IRGraph:
        sig = self.program.graph_signature
        user = set(sig.user_inputs)
        for node in self.program.graph.nodes:
            self.node = node
            if node.op == "placeholder":
                val = node.meta.get("val")
                self.env[node] = Data(0) if node.name in user else \
                    Const(tuple(val.shape) if hasattr(val, "shape") else ())
            elif node.op == "call_function":
                handler = ATEN.get(op_name(node))
                if handler is None:
                    raise self.fail("op is not supported; supported aten ops: "
                                    + ", ".join(sorted(k for k in ATEN if not k.startswith("_"))))
                result = handler(self, node)
                if result is not None:
                    self.env[node] = result
            elif node.op == "output":
                outs = node.args[0]
                out = self.value(outs[0] if isinstance(outs, (list, tuple)) else outs)
                if not isinstance(out, Data):
                    raise self.fail("the module's output is not an activation")
                self.ir.output = out.idx
        self.node = None
        if len(user) != 1:
            raise CnnCostError(f"{self.where}: cnncost analyzes modules with one tensor input")
        return self.ir


def _fqn(fqn: str) -> str:
    """``L['self'].layer1[0]`` or ``layer1.0`` -> ``layer1.0``."""
    text = fqn.replace("L['self']", "").replace("['", ".").replace("']", "")
    text = text.replace("[", ".").replace("]", "")
    return ".".join(p for p in text.split(".") if p)


def word_name(where: str) -> str:
    from .ir import word

    return word(where.replace(" ", ":").rsplit(":", 1)[-1].rsplit(".", 1)[-1]).lower()


from . import torch_aten, torch_layout, torch_views  # noqa: E402,F401  (registers the handlers)
