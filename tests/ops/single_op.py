"""Running one op like the builder does, for the per-op tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnncost.ops import OPS, REQUIRED


def run_op(name: str, args: dict[str, Any], in_shape: tuple, n: int = 2, seed: int = 0):
    """(output, MACs counted by the forward, input, weights, prepared args, analytic shape/params/
    MACs) of op ``name`` on random float64 data."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, [in_shape])
    out = op.shape(a, [in_shape])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *in_shape))
    w = {k: rng.standard_normal(s) for k, s in op.param_shapes(a, [in_shape], out).items()}
    y, counted = op.forward(a, [x], w)
    params = sum(int(np.prod(s)) for s in op.param_shapes(a, [in_shape], out).values())
    return {"y": y, "counted": counted, "x": x, "w": w, "a": a, "shape": out, "params": params,
            "macs": op.macs(a, [in_shape], out)}
