"""permute: torch's dims (batch axis included), a view; shapes keep track of their axis order."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.dims import Permuted, channels, channels_first, layout_name
from cnncost.errors import CnnCostError
from cnncost.ops import OPS

from layout_helpers import forward, graph_of, rules

TO_LAST, TO_FIRST = [0, 2, 3, 1], [0, 3, 1, 2]


def test_to_channels_last_and_back_by_hand():
    _, last, params, macs, other = rules("permute", {"dims": TO_LAST}, [(96, 56, 48)])
    assert tuple(last) == (56, 48, 96) and layout_name(last) == "channels_last"
    assert channels(last) == 96 and channels_first(last) == (96, 56, 48)
    assert (params, macs, other) == ({}, 0, 0)
    _, back, *_ = rules("permute", {"dims": TO_FIRST}, [last])
    assert back == (96, 56, 48) and type(back) is tuple  # plain again: channels-first


def test_a_channels_last_shape_is_never_equal_to_a_plain_one():
    # 56x56x96 channels-last and a 56-channel 56x96 map must not share a memo entry
    last = Permuted((56, 56, 96), (1, 2, 0))
    assert last != (56, 56, 96) and (56, 56, 96) != last
    assert hash(last) != hash((56, 56, 96)) and last == Permuted((56, 56, 96), (1, 2, 0))


def test_other_orders_compose():
    _, hw, *_ = rules("permute", {"dims": [0, 1, 3, 2]}, [(8, 5, 7)])  # swap H and W
    assert tuple(hw) == (8, 7, 5) and channels(hw) == 8 and layout_name(hw) == "permuted(0,2,1)"
    _, odd, *_ = rules("permute", {"dims": TO_LAST}, [hw])
    assert tuple(odd) == (7, 5, 8) and channels_first(odd) == (8, 5, 7)


def test_a_view_allocates_nothing():
    assert OPS["permute"].allocates({}) is False


@pytest.mark.parametrize("dims,why", [([0, 1, 2], "order 0..3"), ([1, 0, 2, 3], "batch axis"),
                                      ([0, 1, 1, 2], "order 0..3"), (3, "a list")])
def test_bad_dims_are_refused(dims, why):
    with pytest.raises(CnnCostError, match=why):
        rules("permute", {"dims": dims}, [(3, 4, 5)])


def test_the_builder_refuses_a_channels_first_op_on_a_channels_last_tensor():
    text = "name: t\ninput: [4, 6, 6]\nlayers:\n  - permute: {dims: [0, 2, 3, 1]}\n" \
           "  - conv: {c: 4, k: 3}\n"
    with pytest.raises(CnnCostError, match="conv needs a channels-first input, got a "
                                           "channels_last tensor"):
        graph_of(text)


def test_in_c_is_the_channel_count_in_any_layout():
    text = ("name: t\ninput: [4, 6, 5]\nlayers:\n  - permute: {dims: [0, 2, 3, 1]}\n"
            "  - linear: {out: '2 * in.c + in.h + in.w'}\n")  # 8 + 6 + 5
    assert tuple(graph_of(text).nodes[-1].shape) == (6, 5, 19)


def test_forward_is_torch_permute():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    y, counted = forward("permute", {"dims": TO_LAST}, (3, 4, 5), x, {})
    assert counted == 0 and np.shares_memory(x, y)  # a view, as in torch
    np.testing.assert_array_equal(y, torch.from_numpy(x).permute(*TO_LAST).numpy())


def test_the_rule_memo_tells_layouts_apart():
    # 6x6x6 channels-first and its channels-last permute are equal as bare tuples; the second
    # layernorm must normalise the stored last axis (position 2), not position 0
    text = ("name: t\ninput: [6, 6, 6]\nlayers:\n  - layernorm\n"
            "  - permute: {dims: [0, 2, 3, 1]}\n  - layernorm\n")
    nodes = graph_of(text).nodes
    assert [n.args["pos"] for n in nodes if n.type == "layernorm"] == [0, 2]


def test_json_rows_name_a_permuted_layout():
    from cnncost.analysis.report import analyze_graph

    text = "name: t\ninput: [4, 3, 5]\nlayers:\n  - permute: {dims: [0, 2, 3, 1]}\n  - gelu\n"
    rows = [r.as_dict() for r in analyze_graph(graph_of(text)).rows]
    assert [(r["output"], r.get("layout")) for r in rows] == [([3, 5, 4], "channels_last")] * 2
