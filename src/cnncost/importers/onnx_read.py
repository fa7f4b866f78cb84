"""Reading an ONNX file safely: shapes and small constants only, bounded, never external data.

The file is walked with a small protobuf reader over ``mmap`` (:mod:`.protowire`): tensor payloads
are skipped by their length, never read, so a 2 GB model costs what its graph costs; tensors stored
outside the file are never opened (their shapes are in the graph), and a location that points
outside the model's folder is refused. Limits (each fails with one line naming the file):

- ``MAX_ONNX_BYTES``: 2 GiB, protobuf's own limit for one message;
- ``MAX_ONNX_NODES``: 200,000 graph nodes (torchvision's largest CNN export has ~1,000);
- dims: every dimension in the graph below ``MAX_DIM`` (2**31) and not negative;
- small constants (shape arguments) are read only up to ``MAX_CONST`` elements.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CnnCostError
from .protowire import WireError, count_field, fields, floats, int64s, text

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
    value: list | None = None  # flat values, or None when large, external or of another type


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


# ONNX TensorProto data types whose values small constants may need: code -> struct format
_RAW = {1: "f", 6: "i", 7: "q", 11: "d", 2: "B", 3: "b", 9: "?", 12: "I", 13: "Q"}


class _Reader:
    def __init__(self, path: str, buf: Any):
        self.path, self.buf = path, buf
        self.folder = Path(path).resolve().parent

    def fail(self, message: str) -> CnnCostError:
        return _fail(self.path, message)

    def tensor(self, span: tuple[int, int]) -> tuple[str, Tensor]:
        buf = self.buf
        dims: list[int] = []
        name, dtype, raw, location, external = "", 1, None, 0, {}
        lists: dict[int, list] = {4: [], 5: [], 7: [], 10: []}
        for num, wire, value in fields(buf, *span):
            if num == 1:
                int64s(buf, wire, value, dims)
            elif num == 2:
                dtype = value
            elif num == 8:
                name = text(buf, value)
            elif num == 9:
                raw = value
            elif num == 14:
                location = value
            elif num == 13:
                entry = {k: text(buf, v) for k, _, v in fields(buf, *value) if _ == 2}
                external[entry.get(1, "")] = entry.get(2, "")
            elif num in (4, 10) and (wire != 2 or value[1] - value[0] <= 8 * MAX_CONST):
                if num == 4:
                    floats(buf, wire, value, lists[4])
                else:
                    lists[10].append(value)
            elif num in (5, 7) and (wire != 2 or value[1] - value[0] <= 10 * MAX_CONST):
                int64s(buf, wire, value, lists[num])
        if any(d < 0 or d >= MAX_DIM for d in dims):
            raise self.fail(f"tensor {name!r} has an absurd shape {dims}")
        if location == 1:
            self._check_external(name, external.get("location", ""))
            return name, Tensor(tuple(dims))
        count = 1
        for d in dims:
            count *= d
        return name, Tensor(tuple(dims), self._values(count, dtype, raw, lists))

    def _check_external(self, name: str, where: str) -> None:
        target = (self.folder / where).resolve()
        if not where or Path(where).is_absolute() or not target.is_relative_to(self.folder):
            raise self.fail(f"tensor {name!r} keeps its data at {where!r}, outside the model's "
                            "folder (refused; external data is never opened)")

    def _values(self, count: int, dtype: int, raw: Any, lists: dict[int, list]) -> list | None:
        if count > MAX_CONST:
            return None
        if raw is not None:
            fmt = _RAW.get(dtype)
            data = bytes(self.buf[raw[0]:raw[1]])
            if fmt is None or len(data) != count * struct.calcsize(fmt):
                return None
            return list(struct.unpack(f"<{count}{fmt}", data))
        for key in (4, 7, 5):
            if len(lists[key]) == count and count:
                return [bool(v) for v in lists[key]] if dtype == 9 else list(lists[key])
        if lists[10]:
            out: list[float] = []
            for span in lists[10]:
                out.extend(struct.unpack(f"<{(span[1] - span[0]) // 8}d",
                                         bytes(self.buf[span[0]:span[1]])))
            return out if len(out) == count else None
        return [] if count == 0 else None

    def attribute(self, span: tuple[int, int]) -> tuple[str, Any]:
        buf = self.buf
        name, kind, value_out = "", 0, None
        ints: list[int] = []
        fl: list[float] = []
        for num, wire, value in fields(buf, *span):
            if num == 1:
                name = text(buf, value)
            elif num == 20:
                kind = value
            elif num == 2:
                value_out = struct.unpack("<f", value)[0]
            elif num == 3:
                value_out = value - (1 << 64) if value >= 1 << 63 else value
            elif num == 4:
                value_out = text(buf, value)
            elif num == 5:
                value_out = self.tensor(value)[1]
            elif num == 8:
                int64s(buf, wire, value, ints)
            elif num == 7:
                floats(buf, wire, value, fl)
        if kind == 7 or ints:
            return name, ints
        if kind == 6 or fl:
            return name, fl
        return name, value_out

    def node(self, span: tuple[int, int], i: int) -> ONode:
        buf = self.buf
        ins: list[str] = []
        outs: list[str] = []
        name = op = domain = ""
        attrs: dict[str, Any] = {}
        meta: dict[str, str] = {}
        for num, _, value in fields(buf, *span):
            if num == 1:
                ins.append(text(buf, value))
            elif num == 2:
                outs.append(text(buf, value))
            elif num == 3:
                name = text(buf, value)
            elif num == 4:
                op = text(buf, value)
            elif num == 7:
                domain = text(buf, value)
            elif num == 5:
                key, val = self.attribute(value)
                attrs[key] = val
            elif num == 9:
                entry = {k: text(buf, v) for k, w, v in fields(buf, *value) if w == 2}
                meta[entry.get(1, "")] = entry.get(2, "")
        if op in ("Loop", "If", "Scan"):
            raise self.fail(f"node {name or i!r} ({op}) has a subgraph: control flow is not "
                            "supported")
        rule = meta.get("pkg.onnxscript.rewriter.rule_name", "")
        return ONode(_scoped_name(name, op, i, meta), op, domain or "ai.onnx", ins, outs, attrs,
                     "FuseBatchNormIntoConv" in rule)

    def value_info(self, span: tuple[int, int]) -> tuple[str, list[Any] | None]:
        buf = self.buf
        name, dims = "", None
        for num, _, value in fields(buf, *span):
            if num == 1:
                name = text(buf, value)
            elif num == 2:
                for n2, _, tensor in fields(buf, *value):
                    if n2 == 1:
                        for n3, _, shape in fields(buf, *tensor):
                            if n3 == 2:
                                dims = self._dims(name, shape)
        return name, dims

    def _dims(self, name: str, span: tuple[int, int]) -> list[Any]:
        dims: list[Any] = []
        for num, _, dim in fields(self.buf, *span):
            if num != 1:
                continue
            entry: Any = "?"
            for n2, _, v in fields(self.buf, *dim):
                if n2 == 1:
                    if not 0 < v < MAX_DIM:
                        raise self.fail(f"input {name!r} has an absurd dimension {v}")
                    entry = int(v)
                elif n2 == 2:
                    entry = text(self.buf, v) or "?"
            dims.append(entry)
        return dims


def _scoped_name(name: str, op: str, i: int, meta: dict[str, str]) -> str:
    """The node's name; for the dynamo exporter (``node_Conv_12``), a ``/scope/.../Op`` name
    built from its ``pkg.torch.onnx.name_scopes`` metadata, as the TorchScript exporter writes."""
    scopes = meta.get("pkg.torch.onnx.name_scopes")
    if scopes:  # a printed Python list of strings: "['', 'layer1', 'layer1.0', 'conv2d']"
        parts = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", scopes)
        parts = [a or b for a, b in parts][1:-1]
        if parts:
            return "/" + "/".join(parts) + "/" + op
    return name or f"{op}_{i}"


def _graph(r: _Reader, buf: Any, size: int) -> tuple[str, tuple[int, int]]:
    producer, graph = "", None
    for num, _, value in fields(buf, 0, size):
        if num == 2:
            producer = text(buf, value)
        elif num == 7:
            graph = value
    if graph is None:
        raise r.fail("not an ONNX model (no graph)")
    return producer, graph


def _parse(path: str, buf: Any, size: int) -> OnnxFile:
    r = _Reader(path, buf)
    producer, (g0, g1) = _graph(r, buf, size)
    count = count_field(buf, g0, g1, 1, MAX_ONNX_NODES)
    if count > MAX_ONNX_NODES:
        raise r.fail(f"graph has more than {MAX_ONNX_NODES:,} nodes, over the limit of "
                     f"{MAX_ONNX_NODES:,}")
    if count == 0:
        raise r.fail("not an ONNX model (no graph nodes)")
    nodes, tensors, inputs, outputs, gname = [], {}, [], [], ""
    for num, _, value in fields(buf, g0, g1):
        if num == 1:
            nodes.append(r.node(value, len(nodes)))
        elif num == 5:
            name, t = r.tensor(value)
            tensors[name] = t
        elif num == 11:
            inputs.append(r.value_info(value))
        elif num == 12:
            outputs.append(r.value_info(value)[0])
        elif num == 2:
            gname = text(buf, value)
    data_inputs = [(n, d) for n, d in inputs if n not in tensors]
    if len(data_inputs) != 1:
        names = ", ".join(n for n, _ in data_inputs) or "none"
        raise r.fail(f"cnncost analyzes networks with one image input; this graph has "
                     f"{len(data_inputs)} ({names})")
    name, dims = data_inputs[0]
    if dims is None:
        raise r.fail(f"input {name!r} has no shape; export it with one")
    return OnnxFile(path, producer, gname, name, dims, outputs, nodes, tensors)


def read_onnx(path: str | Path) -> OnnxFile:
    """Parse ``path`` into an :class:`OnnxFile` (shapes and small constants only)."""
    path = str(path)
    p = Path(path)
    if not p.is_file():
        raise CnnCostError(f"no such ONNX file: {path}")
    size = p.stat().st_size
    if size > MAX_ONNX_BYTES:
        raise _fail(path, f"file is larger than {MAX_ONNX_BYTES >> 30} GiB")
    if size == 0:
        raise _fail(path, "not an ONNX model (no graph nodes): the file is empty")
    try:
        with open(p, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            view = memoryview(mm)
            try:
                return _parse(path, view, size)
            finally:
                view.release()
    except WireError as exc:
        raise _fail(path, f"not a readable ONNX model ({exc}); the file may be truncated "
                          "or not ONNX") from None
    except OSError as exc:
        raise _fail(path, f"cannot read the file: {exc.strerror or exc}") from None
