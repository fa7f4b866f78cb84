"""From an expanded graph to a report: per-layer rows, slices, roll-ups and totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..cost import Cost
from ..graph import Graph, Node
from ..dims import Permuted, is_symbolic, layout_name
from ..errors import CnnCostError, suggest

DTYPE_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "fp64": 8}


def dtype_bytes(dtype: str) -> int:
    """Bytes per element of a dtype name."""
    if dtype not in DTYPE_BYTES:
        raise CnnCostError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPE_BYTES)}")
    return DTYPE_BYTES[dtype]


class Row(NamedTuple):
    """One layer (or one rolled-up block) of a report. Counts include the batch. An immutable
    record (a named tuple, like :class:`~cnncost.cost.Cost`: a report makes one per layer)."""

    name: str
    type: str
    output: tuple
    cost: Cost

    @property
    def params(self) -> Any:
        return self.cost.params

    @property
    def macs(self) -> Any:
        return self.cost.macs

    @property
    def activation_bytes(self) -> Any:
        return self.cost.activation_bytes

    @property
    def buffers(self) -> Any:
        return self.cost.buffers

    @property
    def other_ops(self) -> Any:
        return self.cost.other_ops

    @property
    def backward_macs(self) -> Any:
        return self.cost.backward_macs

    @property
    def backward_other_ops(self) -> Any:
        return self.cost.backward_other_ops

    def as_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "type": self.type, "output": list(self.output),
             **self.cost.as_dict()}
        if type(self.output) is Permuted:  # e.g. channels_last: "output" is in torch's order
            d["layout"] = layout_name(self.output)
        return d


@dataclass
class Report:
    """Analysis of one model at one input size, batch and dtype."""

    model: str
    title: str
    source: str
    input: tuple
    batch: Any
    dtype: str
    rows: list[Row]
    totals: Cost
    symbolic: bool
    nodes: list[Node] = field(repr=False, default_factory=list)
    graph: Graph | None = field(repr=False, default=None)
    #: nodes an import skipped (``--skip-unknown``): their cost is in no row
    not_counted: tuple[str, ...] = ()
    #: what an import found worth saying (BN folded by the exporter, ...)
    import_notes: str = ""
    #: show the backward columns in table/markdown/csv/html (``report --backward``)
    backward: bool = False

    @property
    def layers(self) -> list[Row]:
        """The rows (alias used by the Python API)."""
        return self.rows

    def to_dict(self) -> dict[str, Any]:
        from ..render.text import jsonable

        from .domain import min_square, valid_when

        out = {
            "model": self.model, "title": self.title, "source": self.source,
            "input": list(self.input), "batch": self.batch, "dtype": self.dtype,
            "layers": [r.as_dict() for r in self.rows], "totals": self.totals.as_dict(),
            "min_input": min_square(self.graph) if self.graph is not None else None,
            **self._import_fields(),
        }
        if self.symbolic and self.graph is not None:
            out["valid_when"] = valid_when(self.graph)
        return jsonable(out)

    def _import_fields(self) -> dict[str, Any]:
        imported = self.graph is not None and bool(self.graph.spec.text)
        if not (imported or self.not_counted):
            return {}
        return {"not_counted": list(self.not_counted), "notes": self.import_notes}

    def footer(self) -> list[str]:
        """Lines a report prints under its totals for an imported model."""
        lines = [f"note: {self.import_notes}"] if self.import_notes else []
        if self.not_counted:
            lines.append(f"not counted ({len(self.not_counted)} nodes skipped, no cost in any "
                         f"row): " + ", ".join(self.not_counted))
        if self.symbolic and self.graph is not None:  # where the formulas hold
            from .domain import valid_when

            conditions = valid_when(self.graph)
            lines += ["valid when: " + ", ".join(conditions)] if conditions else []
        return lines

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), indent=2)

    def to_markdown(self) -> str:
        from ..render.report import report_markdown

        return report_markdown(self)


def _matches(node: Node, name: str) -> bool:
    return node.name == name or node.name.startswith(name + ".")


def select(nodes: list[Node], start: str | None, until: str | None) -> list[Node]:
    """The nodes from ``start`` to ``until`` (both inclusive, by name or block prefix)."""
    lo, hi = 0, len(nodes) - 1
    names = [n.name for n in nodes]
    if start is not None:
        hits = [i for i, n in enumerate(nodes) if _matches(n, start)]
        if not hits:
            raise CnnCostError(f"--from: no layer named {start!r}" + suggest(start, names))
        lo = hits[0]
    if until is not None:
        hits = [i for i, n in enumerate(nodes) if _matches(n, until)]
        if not hits:
            raise CnnCostError(f"--until: no layer named {until!r}" + suggest(until, names))
        hi = hits[-1]
    if lo > hi:
        raise CnnCostError(f"--from {start!r} comes after --until {until!r}")
    return nodes[lo:hi + 1]


_new = tuple.__new__  # a Row or Cost made straight from a tuple of its fields


def node_rows(nodes: list[Node], batch: Any, nbytes: int) -> list[Row]:
    """The report rows of nodes: the batch times each node's per-sample counts (a node that
    allocates no tensor, such as an in-place ReLU, adds no activation bytes)."""
    return [_new(Row, (n.name, n.type, n.shape, _new(Cost, (
        n.params, batch * n.macs, batch * n.elements * nbytes if n.allocates else 0, n.buffers,
        batch * n.other_ops, batch * n.backward_macs, batch * n.backward_other_ops))))
        for n in nodes]


def block_outputs(nodes: list[Node], depth: int) -> dict[str, Any]:
    """The output shape of each block at ``depth``: that of its last node, whatever ``--only``
    keeps (googlenet's inception3a is 256x28x28, not its last conv's 32x28x28)."""
    out: dict[str, Any] = {}
    for node in nodes:
        out[".".join(node.name.split(".")[:depth])] = node.shape
    return out


def rollup(rows: list[Row], depth: int, outputs: dict[str, Any] | None = None) -> list[Row]:
    """Merge runs of rows sharing the first ``depth`` parts of their dotted names (a name met
    again later, such as two unnamed top-level merges both called ``add``, starts a new row).
    ``outputs`` gives a rolled-up block's output shape (else its last row's)."""
    if depth < 1:
        raise CnnCostError("--depth must be at least 1")
    groups: list[tuple[str, list[Row]]] = []
    for row in rows:
        key = ".".join(row.name.split(".")[:depth])
        if groups and groups[-1][0] == key:
            groups[-1][1].append(row)
        else:
            groups.append((key, [row]))
    out = []
    for key, group in groups:
        out.append(Row(key, group[0].type if len(group) == 1 else f"block({len(group)})",
                       (outputs or {}).get(key, group[-1].output),
                       Cost.total(r.cost for r in group)))
    return out


def analyze_graph(graph: Graph, batch: Any = 1, dtype: str = "fp32", train: bool = False,
                  start: str | None = None, until: str | None = None,
                  only: list[str] | None = None, depth: int | None = None) -> Report:
    """Rows and totals of a graph. ``only`` keeps rows of the given op types (totals follow)."""
    nbytes = dtype_bytes(dtype)
    nodes = graph.nodes_for(train)[1:]
    nodes = select(nodes, start, until) if (start or until) else nodes
    in_shape = graph.input_shape
    if start and nodes and nodes[0].inputs:  # the slice's own input, whatever --only keeps
        in_shape = graph.nodes[nodes[0].inputs[0]].shape
    outputs = block_outputs(nodes, depth) if depth is not None and depth >= 1 else None
    if only:
        from ..ops import OPS

        for t in only:
            if t not in OPS:
                raise CnnCostError(f"--only: unknown layer type {t!r}" + suggest(t, list(OPS)))
        nodes = [n for n in nodes if n.type in only]
    rows = node_rows(nodes, batch, nbytes)
    symbolic = graph.symbolic or is_symbolic(batch)
    totals = Cost.total([r.cost for r in rows], numeric=not symbolic)
    if depth is not None:
        rows = rollup(rows, depth, outputs)
    spec = graph.spec
    return Report(spec.name, spec.title, spec.source, in_shape, batch, dtype, rows, totals,
                  symbolic, nodes, graph, spec.not_counted, spec.notes if spec.text else "")
