"""The op registry: importing this package registers every op."""

from __future__ import annotations

from . import (activation, conv, layer_scale, layernorm, linear, merge, norm, permute,  # noqa: F401
               pool, stochastic_depth, tensor)  # (registration)
from . import activation_extra, conv_transpose, resample  # noqa: F401,E402  (registration)
from .base import OPS, REQUIRED, Applied, Op, Saved

#: the ops a spec's ``merge:`` may name, in registry order
MERGES = tuple(name for name, op in OPS.items() if op.is_merge)
#: the merge of a ``residual`` that names none (ResNet's ``out += identity``)
RESIDUAL_MERGE = "add"
#: ``residual: {shortcut: project}``: a 1x1 convolution without bias, then a batch norm
PROJECT_CONV, PROJECT_NORM = OPS["conv"], OPS["bn"]

__all__ = ["MERGES", "OPS", "PROJECT_CONV", "PROJECT_NORM", "REQUIRED", "RESIDUAL_MERGE", "Applied",
           "Op", "Saved"]
