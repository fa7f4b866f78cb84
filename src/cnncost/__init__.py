"""cnncost: analytic cost calculator and static analyzer for convolutional networks.

>>> import cnncost
>>> cnncost.analyze("vgg16").totals.params
138357544
"""

from __future__ import annotations

from .analysis.report import Report, Row
from .cost import Cost
from .api import analyze, build_graph, compare, fit, predict_time
from .errors import CnnCostError
from .spec.schema import Spec
from .spec.zoo import load_spec, model_names


def from_onnx(path: str, skip_unknown: bool = False, name: str | None = None) -> Spec:
    """A spec for an ONNX file (shapes only; see docs/import.md)."""
    from .importers import from_onnx as _from_onnx

    return _from_onnx(path, skip_unknown, name)


def from_torch(module: object, input: tuple = (3, 224, 224), dynamic: bool = False,
               name: str | None = None) -> Spec:
    """A spec for a PyTorch module, traced with torch.export (see docs/import.md)."""
    from .importers import from_torch as _from_torch

    return _from_torch(module, input, dynamic, name)


__version__ = "0.1.0"

__all__ = ["CnnCostError", "Cost", "Report", "Row", "Spec", "analyze", "build_graph", "compare",
           "fit", "from_onnx", "from_torch", "load_spec", "model_names", "predict_time",
           "__version__"]
