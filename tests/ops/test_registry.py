"""The op registry: every op carries every rule."""

from __future__ import annotations

from cnncost.ops import Op, OPS


def test_every_op_has_a_forward():
    missing = [name for name, op in OPS.items() if type(op).forward is Op.forward]
    assert missing == []
