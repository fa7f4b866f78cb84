"""ONNX file -> :class:`IRGraph`: map every node onto a cnncost op, fold shape subgraphs.

``onnx_to_ir("resnet50.onnx")`` gives the graph ``importers.spec_from_ir`` turns into a spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..errors import CnnCostError
from .ir import IRGraph, word
from .onnx_read import ONode, OnnxFile, read_onnx
from .values import Const, Data, from_array, same

Handler = Callable[["Walker", ONode], None]
HANDLERS: dict[str, Handler] = {}
RESERVED = {"floor", "ceil", "min", "max", "int", "round", "abs", "make_divisible", "in", "N"}


def handles(*ops: str) -> Callable[[Handler], Handler]:
    """Register a handler for ONNX op types."""
    def wrap(fn: Handler) -> Handler:
        for op in ops:
            HANDLERS[op] = fn
        return fn
    return wrap


def supported_ops() -> list[str]:
    """ONNX op types the importer reads."""
    return sorted(HANDLERS)


class Walker:
    """Walks the nodes in file order, binding tensor names to Data or Const values."""

    def __init__(self, f: OnnxFile, skip_unknown: bool = False):
        self.f, self.skip_unknown = f, skip_unknown
        self.env: dict[str, Data | Const] = {n: from_array(t.dims, t.value)
                                             for n, t in f.tensors.items()}
        self.batch, shape, self.symbols = _input_shape(f)
        self.ir = IRGraph(_model_name(f), f"ONNX file {Path(f.path).name}"
                          + (f" (exported by {f.producer})" if f.producer else ""), shape)
        self.ir.symbols = self.symbols
        self.env[f.input_name] = Data(0)
        self.node: ONode | None = None
        self.folded = 0

    # ---- access ---------------------------------------------------------------------------
    def fail(self, message: str) -> CnnCostError:
        n = self.node
        where = f"node {n.name!r} ({n.op}, domain {n.domain})" if n else "graph"
        return CnnCostError(f"{self.f.path}: {where}: {message}")

    def get(self, name: str) -> Data | Const:
        if not name:
            raise self.fail("a required input is missing")
        if name not in self.env:
            raise self.fail(f"input {name!r} is produced by no earlier node (a missing input or "
                            "a cycle)")
        return self.env[name]

    def data(self, i: int = 0) -> int:
        value = self.get(self.node.inputs[i])
        if not isinstance(value, Data):
            raise self.fail(f"input {i} must be an activation, got a constant")
        return value.idx

    def const(self, i: int, known: bool = True) -> Const | None:
        """Input ``i`` as a constant (None when absent); ``known``: its values must be known."""
        ins = self.node.inputs
        if i >= len(ins) or not ins[i]:
            return None
        value = self.get(ins[i])
        if not isinstance(value, Const):
            raise self.fail(f"input {i} must be a constant (a weight or a shape), got an "
                            "activation")
        if known and value.values is None:
            raise self.fail(f"input {i} must be a small constant stored in the file")
        return value

    def shape(self, idx: int) -> tuple:
        return self.ir.nodes[idx].shape

    def full(self, idx: int) -> tuple:
        """The shape with the batch dimension in front, as ONNX sees it."""
        return (self.batch, *self.shape(idx))

    def attr(self, name: str, default: Any = None) -> Any:
        return self.node.attrs.get(name, default)

    # ---- results ------------------------------------------------------------------------
    def emit(self, op: str, args: dict[str, Any], inputs: list[int], out: int = 0) -> int:
        idx = self.ir.add(op, args, inputs, "", self.node.name)
        self.set(out, Data(idx))
        return idx

    def set(self, i: int, value: Data | Const) -> None:
        if i < len(self.node.outputs) and self.node.outputs[i]:
            self.env[self.node.outputs[i]] = value

    def alias(self, i: int = 0) -> None:
        self.set(0, self.get(self.node.inputs[i]))

    # ---- the walk -------------------------------------------------------------------------
    def run(self, nodes: list[ONode]) -> IRGraph:
        for node in nodes:
            self.node = node
            handler = HANDLERS.get(node.op) if node.domain in ("ai.onnx", "") else None
            if handler is None:
                self.unknown()
                continue
            handler(self, node)
        self.node = None
        if not self.f.output_names:
            raise self.fail("the graph has no output")
        out = self.get(self.f.output_names[0])
        if not isinstance(out, Data):
            raise self.fail("the graph's output is a constant")
        self.ir.output = out.idx
        if self.folded:
            self.ir.notes.append(
                f"BatchNorm folded by the exporter into {self.folded} convolutions (params "
                "count the biases it made, if any, not BN's 2 per channel; MACs are unchanged)")
        if len(self.f.output_names) > 1:
            self.ir.notes.append(f"only the first of {len(self.f.output_names)} graph outputs "
                                 "is analyzed")
        return self.ir

    def unknown(self) -> None:
        n = self.node
        first = next((v for v in (self.env.get(i) for i in n.inputs) if isinstance(v, Data)),
                     None)
        if not self.skip_unknown or first is None:
            extra = "" if first is not None or not self.skip_unknown else \
                " (and it has no activation input to pass through)"
            raise self.fail("op is not supported" + extra + "; supported ops: "
                            + ", ".join(supported_ops())
                            + ". --skip-unknown analyzes the rest and lists it as not counted")
        self.ir.not_counted.append(f"{n.name} ({n.op}, domain {n.domain})")
        for i in range(len(n.outputs)):
            self.set(i, first)


def _model_name(f: OnnxFile) -> str:
    return word(Path(f.path).stem)


def _input_shape(f: OnnxFile) -> tuple[Any, tuple, list[str]]:
    """(batch, per-sample shape, symbol names) of the graph input; dim_params become symbols."""
    from ..spec.bindings import make_symbol

    dims = f.input_dims
    if len(dims) not in (2, 4):
        raise CnnCostError(f"{f.path}: input {f.input_name!r} has shape {dims}; cnncost reads "
                           "N×C×H×W images (or N×F features)")
    names: dict[str, Any] = {}
    symbols: list[str] = []

    def dim(d: Any, fallback: str) -> Any:
        if isinstance(d, int):
            return d
        if d not in names:
            name = word(d) if d != "?" else fallback
            if not name.isidentifier() or name in RESERVED or name in symbols:
                name = fallback if fallback not in symbols else f"{fallback}{len(symbols)}"
            symbols.append(name)
            names[d] = make_symbol(name)
        return names[d]

    batch = dims[0] if isinstance(dims[0], int) else make_symbol("N")
    per = tuple(dim(d, fb) for d, fb in zip(dims[1:], ("C", "H", "W")))
    if not isinstance(per[0], int):
        raise CnnCostError(f"{f.path}: the input's channel count must be a number, got {dims[1]!r}")
    return batch, per, symbols


def onnx_to_ir(path: str | Path, skip_unknown: bool = False) -> IRGraph:
    """Read an ONNX file into an :class:`IRGraph` (every node mapped or a clear error)."""
    from . import onnx_ops, onnx_resample, onnx_shape_ops  # noqa: F401  (registers them)
    from .onnx_layout import fuse_layout
    from .patterns import fuse

    f = read_onnx(path)
    walker = Walker(f, skip_unknown)
    ir = walker.run(fuse_layout(fuse(f.nodes)))
    _check_batch_free(ir, walker)
    return ir


def _check_batch_free(ir: IRGraph, w: Walker) -> None:
    """Per-sample shapes must not mention the batch symbol (a reshape that mixed samples)."""
    if isinstance(w.batch, int):
        return
    for node in ir.nodes:
        if any(getattr(d, "free_symbols", None) and w.batch in d.free_symbols for d in node.shape):
            raise CnnCostError(f"{w.f.path}: node {node.origin!r} mixes the batch into its "
                               "per-sample shape; cnncost needs the batch leading")


__all__ = ["Walker", "handles", "onnx_to_ir", "same", "supported_ops"]
