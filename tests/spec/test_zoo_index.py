"""The zoo index and spec loading: lookups agree with the full index, caches hand out copies."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.errors import CnnCostError
from cnncost.spec.zoo import load_spec, model_names, zoo_entry, zoo_index


def test_mutating_a_loaded_spec_does_not_change_the_next_load():
    first = load_spec("resnet50")
    n = len(first.layers)
    first.layers.pop()
    first.params["depths"][0] = 100
    next(iter(first.blocks.values()))["body"].clear()
    again = load_spec("resnet50")
    assert len(again.layers) == n
    assert list(again.params["depths"]) == [3, 4, 6, 3]  # ResNet-50, He et al. 2016, table 1
    assert all(block["body"] for block in again.blocks.values())
    # conv1 7x7x3x64 = 9408 weights (no bias), the first thing a fresh load builds
    assert cnncost.analyze("resnet50").rows[0].params == 7 * 7 * 3 * 64


def test_mutating_the_zoo_index_does_not_change_the_zoo():
    zoo_index().pop("vgg16")
    assert "vgg16" in zoo_index()
    assert "vgg16" in model_names()


def test_zoo_entry_agrees_with_the_full_index():
    index = zoo_index()
    assert index
    for name, entry in index.items():
        assert zoo_entry(name) == entry, name
    assert zoo_entry("no-such-model") is None


def test_unknown_model_still_suggests():
    with pytest.raises(CnnCostError, match="did you mean 'resnet152'"):
        load_spec("resnt152")
