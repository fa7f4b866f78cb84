"""Tensor ops (channel_shuffle, chunk, flatten, dropout, identity): numpy forward against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from op_helpers import close, F, needs_torch, run_op, t, torch


@needs_torch
def test_channel_shuffle_matches_torchvision():
    from torchvision.models.shufflenetv2 import channel_shuffle

    y, _, xs, _, _ = run_op("channel_shuffle", {"groups": 3}, [(12, 2, 3)])
    close(y, channel_shuffle(t(xs[0]), 3))
    close(y, F.channel_shuffle(t(xs[0]), 3))


@needs_torch
@pytest.mark.parametrize("parts,index", [(2, 0), (2, 1), (3, 2)])
def test_chunk_matches_torch(parts, index):
    y, _, xs, _, _ = run_op("chunk", {"parts": parts, "index": index}, [(6, 2, 2)])
    close(y, torch.chunk(t(xs[0]), parts, dim=1)[index])


@needs_torch
def test_flatten_dropout_identity():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    y, *_ = run_op("flatten", {}, [(3, 4, 5)], xs=[x])
    close(y, torch.flatten(t(x), 1))
    y, *_ = run_op("dropout", {"p": 0.5}, [(3, 4, 5)], xs=[x])
    close(y, F.dropout(t(x), 0.5, training=False))
    y, *_ = run_op("identity", {}, [(3, 4, 5)], xs=[x])
    close(y, t(x))
