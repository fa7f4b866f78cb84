"""The ledger's accuracy figures beside the specs' costs: the data of the frontier and evolution
charts (drawn by ``render.frontier``).

*Frontier*: one point per torchvision weight with a recorded ``acc@1`` — its top-1 accuracy, and
the MACs and params computed from the spec at the weight's evaluation crop. *Evolution*: the ILSVRC
winners' top-5 error by year (entries with a ``year``), beside the MACs, params and depth of the
network named in the entry. Models the zoo does not bundle are skipped and named in ``skipped``.

>>> pts, skipped = frontier_points()
>>> [(p.model, p.crop, p.macs) for p in pts if p.weights == "ResNet50_Weights.IMAGENET1K_V2"]
[('resnet50', 224, 4089184256)]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Iterable

from ..errors import CnnCostError

@dataclass(frozen=True)
class WeightPoint:
    """One torchvision weight on the accuracy-vs-MACs chart."""

    weights: str        # e.g. "ResNet50_Weights.IMAGENET1K_V2"
    model: str
    family: str
    crop: int
    acc1: float         # % (recorded)
    macs: int           # computed at crop x crop
    params: int

    @property
    def label(self) -> str:
        """The builder, with the weight's name when it is not the first release."""
        tag = self.weights.rsplit(".", 1)[-1]
        short = {"IMAGENET1K_V1": "", "IMAGENET1K_V2": "V2", "IMAGENET1K_SWAG_E2E_V1": "SWAG",
                 "IMAGENET1K_SWAG_LINEAR_V1": "SWAG-lin"}.get(tag, tag)
        return f"{self.model} {short}".strip()


@dataclass(frozen=True)
class Winner:
    """One ILSVRC edition: the winner's recorded top-5 error and one network's costs."""

    year: int
    entry: str          # who won, as the ledger names it
    top5_error: float   # % (recorded)
    source: str
    model: str = ""     # '' when no single network stands for the winner (an ensemble)
    family: str = ""
    macs: int | None = None
    params: int | None = None
    depth: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _entries(entries: Iterable[Any] | None) -> list[Any]:
    from .ledger_file import load_ledger

    return list(load_ledger() if entries is None else entries)


def _bundled(model: str, base: Any) -> Any:
    """The loaded spec, or None when the zoo does not have the model."""
    from .ledger_file import resolve_model
    from ..spec.zoo import load_spec

    try:
        return load_spec(resolve_model(model, base))
    except CnnCostError:
        return None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, Decimal)) else float(str(value))


def frontier_points(entries: Iterable[Any] | None = None) -> tuple[list[WeightPoint], list[str]]:
    """The plotted weights (ledger order) and the weights skipped because their model is not
    bundled."""
    from ..api import analyze
    from .ledger_file import resolve_model

    points, skipped = [], []
    for e in _entries(entries):
        if e.quantity != "acc@1" or not e.weights:
            continue
        spec = _bundled(e.sel.model, e.base)
        if spec is None:
            skipped.append(e.weights)
            continue
        r = analyze(resolve_model(e.sel.model, e.base), input=e.sel.input, set=e.sel.set or None)
        crop = int(r.input[-1])
        points.append(WeightPoint(e.weights, e.sel.model, spec.family, crop, _number(e.value),
                                  int(r.totals.macs), int(r.totals.params)))
    return points, skipped


def weight_depth(report: Any) -> int:
    """Conv and linear layers on the longest path from input to output. A ``mul`` merge is a
    gate (SE, attention): only its shallower input counts, so SE-ResNet-50 stays 50 deep."""
    depth: dict[int, int] = {0: 0}
    graph_nodes = report.graph.nodes
    kept = {n.index for n in report.nodes}
    for n in graph_nodes[1:]:
        ins = [depth.get(i, 0) for i in n.inputs] or [0]
        base = min(ins) if n.op is not None and n.op.is_gate else max(ins)
        depth[n.index] = base + (n.op is not None and n.op.counts_depth and n.index in kept)
    return depth[report.graph.output]


def evolution_points(entries: Iterable[Any] | None = None) -> tuple[list[Winner], list[str]]:
    """ILSVRC winners by year (entries with a ``year``) and the models skipped as not bundled."""
    from ..api import analyze
    from .ledger_file import resolve_model

    winners, skipped = [], []
    for e in sorted((e for e in _entries(entries) if e.quantity == "top5_error"
                     and e.year is not None), key=lambda e: e.year):
        common = {"year": e.year, "entry": e.weights or e.id, "source": e.citation,
                  "top5_error": _number(e.value)}
        spec = _bundled(e.sel.model, e.base) if e.sel.model else None
        if spec is None:
            if e.sel.model:
                skipped.append(e.sel.model)
            winners.append(Winner(**common))
            continue
        r = analyze(resolve_model(e.sel.model, e.base), input=e.sel.input, set=e.sel.set or None)
        winners.append(Winner(**common, model=e.sel.model, family=spec.family,
                              macs=int(r.totals.macs), params=int(r.totals.params),
                              depth=weight_depth(r)))
    return winners, skipped
