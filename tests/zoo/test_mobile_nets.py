"""MobileNet, ShuffleNet and EfficientNet specs against their papers' tables."""

from __future__ import annotations

import pytest

import cnncost


def _totals(model: str, size: int = 224, **sets):
    return cnncost.analyze(model, input=f"3x{size}x{size}", set=sets or None)


def _sum(report, field: str, types: tuple[str, ...]) -> int:
    return sum(getattr(r, field) for r in report.rows if r.type in types)


# ---- MobileNet v1: Howard et al. 2017 -------------------------------------------------------

# Table 6: width multiplier alpha at 224 -> (million mult-adds, million params)
TABLE6 = {1.0: (569, 4.2), 0.75: (325, 2.6), 0.5: (149, 1.3), 0.25: (41, 0.5)}


@pytest.mark.parametrize("alpha", list(TABLE6))
def test_mobilenet_v1_table6_width_multiplier(alpha):
    report = _totals("mobilenet_v1", alpha=alpha)
    madds, params = TABLE6[alpha]
    assert round(report.totals.macs / 1e6) == madds
    # the paper counts conv and FC weights; BN is not in its parameter counts (see Table 9 below)
    assert round(_sum(report, "params", ("conv", "linear")) / 1e6, 1) == params


@pytest.mark.parametrize("size,madds", [(224, 569), (192, 418), (128, 186)])
def test_mobilenet_v1_table7_resolution(size, madds):
    report = _totals("mobilenet_v1", size)
    assert round(report.totals.macs / 1e6) == madds
    assert round(_sum(report, "params", ("conv", "linear")) / 1e6, 1) == 4.2


def test_mobilenet_v1_rows_printed_truncated():
    """Table 7's 160 row (290) and Table 9's 0.50 MobileNet-160 (76) sit 0.7 M and 0.5 M below
    the count, which rounds to 291 and 77: the paper truncated these two. Both stay within 1 M."""
    assert 290 <= _totals("mobilenet_v1", 160).totals.macs / 1e6 < 291
    assert 76 <= _totals("mobilenet_v1", 160, alpha=0.5).totals.macs / 1e6 < 77


def test_mobilenet_v1_table9_params_exclude_batch_norm():
    """Table 9: 0.50 MobileNet-160 has 1.32 M params, which holds only without BN's 2C."""
    report = _totals("mobilenet_v1", 160, alpha=0.5)
    assert round(_sum(report, "params", ("conv", "linear")) / 1e6, 2) == 1.32
    assert round(report.totals.params / 1e6, 2) == 1.33


def test_mobilenet_v1_table2_pointwise_share():
    """Table 2: 1x1 convs carry 94.86% of the mult-adds."""
    rows = _totals("mobilenet_v1").rows
    pointwise = sum(r.macs for r in rows if r.type == "conv" and r.name.endswith("pw.0"))
    assert round(100 * pointwise / sum(r.macs for r in rows), 2) == 94.86


def test_mobilenet_v1_separable_layer_by_hand():
    """Sec. 3.1 cost D_K*D_K*M*D_F*D_F + M*N*D_F*D_F for the 14x14, 512->512 layers."""
    rows = {r.name: r for r in _totals("mobilenet_v1").rows}
    dw, pw = rows["features.7.dw.0"], rows["features.7.pw.0"]
    assert dw.macs == 3 * 3 * 512 * 14 * 14
    assert pw.macs == 512 * 512 * 14 * 14


# ---- ShuffleNet v1: Zhang et al. -------------------------------------------------------------

# Table 1: groups -> (stage 2-4 output channels, complexity in MFLOPs = mult-adds)
TABLE1 = {1: ([144, 288, 576], 143), 2: ([200, 400, 800], 140), 3: ([240, 480, 960], 137),
          4: ([272, 544, 1088], 133), 8: ([384, 768, 1536], 137)}


@pytest.mark.parametrize("g", list(TABLE1))
def test_shufflenet_v1_table1_complexity(g):
    widths, mflops = TABLE1[g]
    report = _totals("shufflenet_v1", groups=g, widths=widths)
    assert report.rows[-1].output == (1000,)
    assert round(_sum(report, "macs", ("conv",)) / 1e6) == mflops


def test_shufflenet_v1_params_senet_table3():
    """SENet Table 3: ShuffleNet 1x (g = 3) 1.8M params (conv + FC weights)."""
    assert round(_sum(_totals("shufflenet_v1"), "params", ("conv", "linear")) / 1e6, 1) == 1.8


def test_shufflenet_v1_stage2_first_pointwise_is_not_grouped():
    """Sec. 3.3: 24 -> 60 channels, ungrouped: 24*60 weights; later units use g = 3."""
    rows = {r.name: r for r in _totals("shufflenet_v1").rows}
    assert rows["stage2.0.conv1"].params == 24 * 60
    assert rows["stage2.1.conv1"].params == 240 // 3 * 60
    assert rows["stage2.0.concat"].output == (240, 28, 28)


# ---- other papers ----------------------------------------------------------------------------


def test_efficientnet_b0_paper_table2():
    """Tan & Le Table 2: B0 0.39B FLOPs (multiply-adds), 5.3M params."""
    totals = _totals("efficientnet_b0").totals
    assert (round(totals.macs / 1e9, 2), round(totals.params / 1e6, 1)) == (0.39, 5.3)


@pytest.mark.parametrize("name,params", [("shufflenet_v2_x0_5", 1.4), ("shufflenet_v2_x1_0", 2.3)])
def test_shufflenet_v2_paper_table5_weights(name, params):
    assert round(_totals(name).totals.params / 1e6, 1) == params
