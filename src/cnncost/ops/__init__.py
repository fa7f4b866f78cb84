"""The op registry: importing this package registers every op."""

from __future__ import annotations

from . import (activation, conv, layer_scale, layernorm, linear, merge, norm, permute,  # noqa: F401
               pool, stochastic_depth, tensor)  # (registration)
from . import activation_extra, conv_transpose, resample  # noqa: F401,E402  (registration)
from .base import OPS, REQUIRED, Op

__all__ = ["OPS", "REQUIRED", "Op"]
