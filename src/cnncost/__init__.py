"""cnncost: analytic cost calculator and static analyzer for convolutional networks.

>>> import cnncost
>>> cnncost.analyze("vgg16").totals.params
138357544
"""

from __future__ import annotations

from .analyze import Report, Row, Totals
from .api import analyze, build_graph, compare, predict_time
from .errors import CnnCostError
from .memory import fit
from .spec import load_spec, model_names

__version__ = "0.1.0"

__all__ = ["CnnCostError", "Report", "Row", "Totals", "analyze", "build_graph", "compare", "fit",
           "load_spec", "model_names", "predict_time", "__version__"]
