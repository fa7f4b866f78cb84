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
from .spec.zoo import load_spec, model_names

__version__ = "0.1.0"

__all__ = ["CnnCostError", "Cost", "Report", "Row", "analyze", "build_graph", "compare", "fit",
           "load_spec", "model_names", "predict_time", "__version__"]
