"""Reading an ONNX file safely: shapes and small constants only, bounded, never external data.

The file is parsed with ``onnx.load(path, load_external_data=False)``: tensors stored outside
the file are never opened (their shapes are in the graph), and a location that points outside
the model's folder is refused. Limits (each fails with one line naming the file):

- ``MAX_ONNX_BYTES``: 2 GiB, protobuf's own limit for one message;
- ``MAX_ONNX_NODES``: 200,000 graph nodes (torchvision's largest CNN export has ~1,000);
- dims: every dimension in the graph below ``MAX_DIM`` (2**31) and not negative;
- small constants (shape arguments) are read only up to ``MAX_CONST`` elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CnnCostError

MAX_ONNX_BYTES = 2 << 30
MAX_ONNX_NODES = 200_000
MAX_DIM = 1 << 31
MAX_CONST = 4096


@dataclass
class ONode:
    """One ONNX node, reduced to what the importer reads."""

    name: str
    op: str
    domain: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    fused_bn: bool = False  # the dynamo exporter's tag on a conv it folded a BatchNorm into


@dataclass
class Tensor:
    """An initializer or constant: its shape, and its values when small and stored inline."""

    dims: tuple[int, ...]
    value: Any = None  # a numpy array, or None when large or external


@dataclass
class OnnxFile:
    """What the importer needs from a model file."""

    path: str
    producer: str
    graph_name: str
    input_name: str
    input_dims: list[Any]  # ints and dim_param names
    output_names: list[str]
    nodes: list[ONode]
    tensors: dict[str, Tensor]


def _fail(path: str, message: str) -> CnnCostError:
    return CnnCostError(f"{path}: {message}")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise CnnCostError("reading .onnx files needs the onnx package: "
                           "pip install 'cnncost[onnx]'") from None
    return onnx


def _tensor(path: str, t: Any, folder: Path) -> Tensor:
    from onnx import numpy_helper

    dims = tuple(int(d) for d in t.dims)
    if any(d < 0 or d >= MAX_DIM for d in dims):
        raise _fail(path, f"tensor {t.name!r} has an absurd shape {list(dims)}")
    if t.data_location == 1:  # EXTERNAL: check where it points; never open it
        entries = {e.key: e.value for e in t.external_data}
        where = entries.get("location", "")
        target = (folder / where).resolve()
        if not where or Path(where).is_absolute() or not target.is_relative_to(folder.resolve()):
            raise _fail(path, f"tensor {t.name!r} keeps its data at {where!r}, outside the "
                              "model's folder (refused; external data is never opened)")
        return Tensor(dims)
    count = 1
    for d in dims:
        count *= d
    if count <= MAX_CONST:
        try:
            return Tensor(dims, numpy_helper.to_array(t))
        except Exception:  # noqa: BLE001 - a malformed constant: keep its shape only
            return Tensor(dims)
    return Tensor(dims)


def _attrs(path: str, node: Any, folder: Path) -> dict[str, Any]:
    from onnx import helper

    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.type == 4:  # TENSOR (Constant's value)
            out[a.name] = _tensor(path, a.t, folder)
        elif a.type in (5, 10, 11, 13):  # GRAPH(S), SPARSE_TENSOR(S): not read
            out[a.name] = None
        else:
            value = helper.get_attribute_value(a)
            out[a.name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return out


def _dims(path: str, value_info: Any) -> list[Any]:
    tt = value_info.type.tensor_type
    if not tt.HasField("shape"):
        raise _fail(path, f"input {value_info.name!r} has no shape; export it with one")
    dims: list[Any] = []
    for d in tt.shape.dim:
        if d.HasField("dim_value"):
            if not 0 < d.dim_value < MAX_DIM:
                raise _fail(path, f"input {value_info.name!r} has an absurd dimension "
                                  f"{d.dim_value}")
            dims.append(int(d.dim_value))
        else:
            dims.append(d.dim_param or "?")
    return dims


def _load(path: str) -> Any:
    onnx = _onnx()
    p = Path(path)
    if not p.is_file():
        raise CnnCostError(f"no such ONNX file: {path}")
    size = p.stat().st_size
    if size > MAX_ONNX_BYTES:
        raise _fail(path, f"file is larger than {MAX_ONNX_BYTES >> 30} GiB")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - protobuf raises DecodeError, others vary
        kind = type(exc).__name__
        raise _fail(path, f"not a readable ONNX model ({kind}); the file may be truncated "
                          "or not ONNX") from None
    if not model.HasField("graph") or not model.graph.node:
        raise _fail(path, "not an ONNX model (no graph nodes)")
    if len(model.graph.node) > MAX_ONNX_NODES:
        raise _fail(path, f"graph has {len(model.graph.node):,} nodes, over the limit of "
                          f"{MAX_ONNX_NODES:,}")
    return model


def _scoped_name(n: Any, i: int, meta: dict[str, str]) -> str:
    """The node's name; for the dynamo exporter (``node_Conv_12``), a ``/scope/.../Op`` name
    built from its ``pkg.torch.onnx.name_scopes`` metadata, as the TorchScript exporter writes."""
    scopes = meta.get("pkg.torch.onnx.name_scopes")
    if scopes:
        import ast

        try:
            parts = [str(p) for p in ast.literal_eval(scopes)][1:-1]
        except (ValueError, SyntaxError):
            parts = []
        if parts:
            return "/" + "/".join(parts) + "/" + n.op_type
    return n.name or f"{n.op_type}_{i}"


def read_onnx(path: str | Path) -> OnnxFile:
    """Parse ``path`` into an :class:`OnnxFile` (shapes and small constants only)."""
    path = str(path)
    model = _load(path)
    g = model.graph
    folder = Path(path).resolve().parent
    tensors = {t.name: _tensor(path, t, folder) for t in g.initializer}
    inputs = [i for i in g.input if i.name not in tensors]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise _fail(path, f"cnncost analyzes networks with one image input; this graph has "
                          f"{len(inputs)} ({names})")
    nodes = []
    for i, n in enumerate(g.node):
        if n.op_type in ("Loop", "If", "Scan"):
            raise _fail(path, f"node {n.name or i!r} ({n.op_type}) has a subgraph: control "
                              "flow is not supported")
        meta = {p.key: p.value for p in n.metadata_props}
        nodes.append(ONode(_scoped_name(n, i, meta), n.op_type, n.domain or "ai.onnx",
                           list(n.input), list(n.output), _attrs(path, n, folder),
                           "FuseBatchNormIntoConv" in meta.get("pkg.onnxscript.rewriter.rule_name",
                                                               "")))
    return OnnxFile(path, model.producer_name, g.name, inputs[0].name, _dims(path, inputs[0]),
                    [o.name for o in g.output], nodes, tensors)
