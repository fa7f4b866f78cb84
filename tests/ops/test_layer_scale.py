"""layer_scale: a learnable per-channel multiply (C params), kept on the enclosing module."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.dims import Permuted

from layout_helpers import forward, graph_of, rules


def test_by_hand():
    _, out, params, macs, other = rules("layer_scale", {}, [(96, 56, 56)])
    assert out == (96, 56, 56) and params == {"layer_scale": (96, 1, 1)}  # torchvision's shape
    assert (macs, other) == (0, 96 * 56 * 56)  # one multiply per element
    _, _, params, _, _ = rules("layer_scale", {}, [Permuted((7, 7, 768), (1, 2, 0))])
    assert params == {"layer_scale": (768,)}


def test_its_torch_key_is_the_enclosing_module_path():
    text = "name: t\ninput: [4, 3, 3]\nlayers:\n  - name: blk\n    seq:\n      - relu\n" \
           "      - {layer_scale: {}, name: layer_scale}\n"
    node = graph_of(text).nodes[-1]
    assert node.name == "blk.layer_scale" and node.state_key("layer_scale") == "blk.layer_scale"
    assert node.params == 4


def test_forward_equals_torch_broadcast():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, scale = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((4, 1, 1))
    y, _ = forward("layer_scale", {}, (4, 3, 5), x, {"layer_scale": scale})
    np.testing.assert_array_equal(y, (torch.from_numpy(scale) * torch.from_numpy(x)).numpy())
