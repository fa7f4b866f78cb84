"""Helpers of the op tests: one op through the builder, and one op's numpy forward for the
PyTorch oracle (torch is optional: tests that need it are marked ``needs_torch``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cnncost.graph import Node
from cnncost.ops import OPS, REQUIRED
from cnncost.spec.expand import Builder
from cnncost.spec.schema import parse_spec
from cnncost.spec.yamlio import loads

try:
    import torch
    F = torch.nn.functional
except ImportError:  # the oracle tests skip
    torch = F = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (the optional oracle)")


def one_layer(op: str, args: dict, in_shape: tuple):
    """Run one op through the builder's op path: (output shape, node)."""
    spec = parse_spec(loads(f"name: t\ninput: {list(in_shape)}\nlayers: [identity]\n"), "t.yaml")
    b = Builder(spec)
    b.globals = {}
    b.nodes.append(Node.input(tuple(in_shape)))
    full = dict(OPS[op].args)
    full.update(args)
    idx = b.op_node(OPS[op], full, [0], "x", None, False)
    node = b.nodes[idx]
    return node.shape, node


def run_op(name: str, args: dict[str, Any], in_shapes: list[tuple], n: int = 2, seed: int = 0,
           xs: list[np.ndarray] | None = None):
    """Prepare the op like the builder does and run its forward on random float64 data."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, list(in_shapes))
    out = op.shape(a, list(in_shapes))
    rng = np.random.default_rng(seed)
    if xs is None:
        xs = [rng.standard_normal((n, *s)) for s in in_shapes]
    w = {k: rng.standard_normal(s) for k, s in op.param_shapes(a, in_shapes, out).items()}
    w.update({k: rng.uniform(0.5, 2.0, s) for k, s in op.buffer_shapes(a, in_shapes, out).items()})
    y, counted = op.forward(a, xs, w)
    assert y.shape == (xs[0].shape[0], *out), "forward shape differs from the analytic shape"
    return y, counted, xs, w, op.macs(a, in_shapes, out)


def t(a: np.ndarray) -> Any:
    return torch.from_numpy(np.ascontiguousarray(a))


def close(y: np.ndarray, ref: Any) -> None:
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-10, atol=1e-10)


def prepared(name: str, args: dict, shape: tuple) -> tuple:
    """prepare + shape, as the builder runs them."""
    op = OPS[name]
    raw = {k: v for k, v in op.args.items() if v is not REQUIRED}
    raw.update(args)
    a = op.prepare(raw, [shape])
    return op.shape(a, [shape])
