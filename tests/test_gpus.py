"""The GPU catalog and size parsing."""

from __future__ import annotations

import pytest

from cnncost.analysis import memory as m
from cnncost.errors import CnnCostError


def test_catalog_is_not_shared_mutable_state():
    cat = m.gpus()
    cat["v100-16gb"]["memory"] = 1
    del cat["t4"]
    assert m.gpus()["v100-16gb"]["memory"] == 16 * 2**30
    assert m.find_gpu("t4")["memory"] == 16 * 2**30


def test_parse_size():
    assert m.parse_size("12GiB") == 12 * 1024**3
    assert m.parse_size("16GB") == 16 * 10**9
    assert m.parse_size("0.5 MiB") == 2**19
    for bad in ("twelve", "12XB", "-1GiB", ""):
        with pytest.raises(CnnCostError):
            m.parse_size(bad)


def test_catalog_has_every_gpu_the_issue_names():
    names = ["gtx580-3gb", "k40", "titan-x-maxwell", "p100-16gb", "v100-16gb", "v100-32gb", "t4",
             "rtx2080ti", "rtx3090", "rtx4090", "a100-40gb", "a100-80gb", "h100-80gb", "h200",
             "l4", "jetson-nano", "jetson-agx-orin-64gb"]
    cat = m.gpus()
    for name in names:
        entry = cat[name]
        assert entry["memory"] > 0 and entry["bandwidth"] > 0 and entry["fp32"] > 0
        assert "fp16" in entry and "bf16" in entry and entry["source"]
    assert cat["v100-16gb"]["memory"] == 16 * 2**30
    assert cat["gtx580-3gb"]["memory"] == 3 * 2**30
    with pytest.raises(CnnCostError, match="v100-16gb"):
        m.find_gpu("v100-16")
