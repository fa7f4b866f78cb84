"""The Python API: analyze and compare models without the command line.

>>> import cnncost
>>> r = cnncost.analyze("vgg16", input="3x224x224")
>>> r.totals.params, r.totals.macs
(138357544, 15470264320)
>>> round(cnncost.analyze("alexnet").totals.macs / 1e9, 2)
0.72
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .analyze import Report, analyze_graph
from .build import Graph, build, parse_value
from .errors import CnnCostError
from .spec import Spec, load_spec


def parse_sets(items: list[str] | dict[str, Any] | None) -> dict[str, Any]:
    """``["classes=10", "depths=[3,4,6,3]"]`` or a dict -> evaluated values."""
    if not items:
        return {}
    if isinstance(items, dict):
        return {k: (parse_value(v) if isinstance(v, str) else v) for k, v in items.items()}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise CnnCostError(f"--set expects KEY=VALUE, got {item!r}")
        out[key] = parse_value(value)
    return out


def build_graph(model: str | Path | Spec, input: str | None = None,
                set: list[str] | dict[str, Any] | None = None, symbolic: bool = False) -> Graph:
    """Load (if needed) and expand a model."""
    spec = model if isinstance(model, Spec) else load_spec(model)
    return build(spec, parse_sets(set), input, symbolic)


def analyze(model: str | Path | Spec, input: str | None = None, batch: Any = 1,
            dtype: str = "fp32", set: list[str] | dict[str, Any] | None = None,
            train: bool = False, start: str | None = None, until: str | None = None,
            only: list[str] | None = None, depth: int | None = None,
            symbolic: bool = False) -> Report:
    """Analyze a bundled model (by name) or a spec file (by path).

    ``input`` is ``"CxHxW"`` (names such as ``H`` make the analysis symbolic), ``set`` overrides
    spec params (``{"classes": 10}`` or ``["classes=10"]``), ``start``/``until`` slice by layer
    name, ``only`` keeps rows of some op types, ``depth`` rolls rows up per block.

    >>> analyze("alexnet", until="features.0").rows[0].output
    (64, 56, 56)
    """
    graph = build_graph(model, input, set, symbolic)
    if isinstance(batch, str):
        batch = parse_value(batch)
    return analyze_graph(graph, batch, dtype, train, start, until, only, depth)


def compare(*models: str | Path, **options: Any) -> list[Report]:
    """Analyze several models with the same options (see :func:`analyze`).

    >>> a, v = compare("alexnet", "vgg16", input="3x224x224")
    >>> round(v.totals.macs / a.totals.macs, 1)
    21.7
    """
    return [analyze(m, **options) for m in models]
