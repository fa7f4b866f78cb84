"""Post-2015 specs against their papers, plus the spec features they rely on.

Every expected number is printed in a paper (cited beside it) or written out as hand arithmetic.
Figures that do not reproduce are not asserted; the spec notes say why.
"""

from __future__ import annotations

import textwrap

import pytest

import cnncost
from cnncost.errors import CnnCostError
from cnncost.spec.zoo import model_names


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


# ---- SE-ResNet-50: Hu et al. -----------------------------------------------------------------

RESNET50_PARAMS = 25_557_032  # torchvision resnet50 num_params (moving strides changes no weights)
# one SE gate on C channels, reduction 16: FC C->C/16 and C/16->C, both with bias
SE_PARAMS = (3 * (2 * 256 * 16 + 16 + 256) + 4 * (2 * 512 * 32 + 32 + 512)
             + 6 * (2 * 1024 * 64 + 64 + 1024) + 3 * (2 * 2048 * 128 + 128 + 2048))
SE_MACS = 3 * 2 * 256 * 16 + 4 * 2 * 512 * 32 + 6 * 2 * 1024 * 64 + 3 * 2 * 2048 * 128


@pytest.mark.parametrize("name", ["se_resnet50", "se_resnet50-paper"])
def test_se_resnet50_params_paper(name):
    """Sec. 4: "~2.5 million additional parameters beyond the ~25 million ... ~10% increase"."""
    params = _totals(name).totals.params
    assert params == RESNET50_PARAMS + SE_PARAMS
    assert round((params - RESNET50_PARAMS) / 1e6, 1) == 2.5
    assert round(100 * (params - RESNET50_PARAMS) / RESNET50_PARAMS) == 10


def test_se_resnet50_paper_macs_are_resnet50_v1_plus_gates():
    """Table 2 prints ResNet-50 at 3.86 GFLOPs; the gates add SE_MACS (0.07%) on top."""
    rows = _totals("se_resnet50-paper").rows
    se = sum(r.macs for r in rows if ".se_module." in r.name)
    assert se == SE_MACS
    assert round(sum(r.macs for r in rows) / 1e9, 2) == 3.86


def _torch_se_resnet50(models, caffe: bool):
    """torchvision resnet50 plus an SE gate after bn3 of every bottleneck; with ``caffe`` also
    the released layout: stride on conv1, ceil-mode max-pool without padding."""
    import torch
    from torch import nn

    class SE(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.fc1, self.fc2 = nn.Conv2d(c, c // 16, 1), nn.Conv2d(c // 16, c, 1)

        def forward(self, x):
            s = x.mean((2, 3), keepdim=True)
            return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))

    model = models.resnet50()
    if caffe:
        model.maxpool = nn.MaxPool2d(3, 2, ceil_mode=True)
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in layer:
            if caffe:
                block.conv1.stride, block.conv2.stride = block.conv2.stride, (1, 1)
            block.bn3 = nn.Sequential(block.bn3, SE(block.bn3.num_features))
    return model


@pytest.mark.parametrize("name,size", [("se_resnet50", 224), ("se_resnet50", 193),
                                       ("se_resnet50-paper", 224), ("se_resnet50-paper", 129)])
def test_se_resnet50_against_torch(torchvision_models, name, size):
    from torch_oracle import torch_counts

    model = _torch_se_resnet50(torchvision_models, caffe=name.endswith("-paper"))
    totals = _totals(name, size).totals
    assert (totals.params, totals.macs) == torch_counts(model, (3, size, size))


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


def test_densenet201_paper_20m_params():
    """Huang et al. Sec. 4.4: "a DenseNet-201 with 20M parameters"."""
    assert round(_totals("densenet201").totals.params / 1e6) == 20


def test_densenet_layer_names_and_growth():
    rows = {r.name: r for r in _totals("densenet121").rows}
    # block 1 ends with 64 + 6*32 channels, the transition halves them, pools to 28x28
    assert rows["features.denseblock1.denselayer6.concat"].output == (256, 56, 56)
    assert rows["features.transition1.pool"].output == (128, 28, 28)
    assert rows["features.denseblock4.denselayer16.conv2"].params == 128 * 32 * 9
    assert "features.transition4.conv" not in rows


# ---- symbolic analysis ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mobilenet_v2", "densenet121", "squeezenet1_1",
                                  "shufflenet_v2_x1_0"])
def test_symbolic_totals_equal_numeric(name):
    sym = cnncost.analyze(name, input="3xHxW").totals
    assert {s.name for s in sym.macs.free_symbols} == {"H", "W"}
    for hh, ww in [(224, 224), (193, 161), (129, 97)]:
        num = cnncost.analyze(name, input=f"3x{hh}x{ww}").totals
        for field in ("params", "macs", "activation_bytes"):
            value = getattr(sym, field)
            if hasattr(value, "subs"):
                names = {s.name: s for s in value.free_symbols}
                value = value.subs({names["H"]: hh, names["W"]: ww})
            assert int(value) == getattr(num, field), (field, hh, ww)


# ---- spec features: name templates and flat branches ------------------------------------------

def _spec(tmp_path, body: str):
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_name_template_from_loop_variable(tmp_path):
    path = _spec(tmp_path, """
        name: t
        input: [3, 8, 8]
        layers:
          - repeat: {n: 3, var: i, body: [{conv: {c: 4, k: 1}, name: "layer{2 * i + 1}"}]}
    """)
    names = [r.name for r in cnncost.analyze(path).rows]
    assert names == ["layer1", "layer3", "layer5"]


@pytest.mark.parametrize("name,message", [("x{i / 2}", "whole number"), ("x{i", "braces"),
                                          ("x{j}", "j")])
def test_name_template_errors(tmp_path, name, message):
    path = _spec(tmp_path, f"""
        name: t
        input: [3, 8, 8]
        layers:
          - repeat: {{n: 3, var: i, body: [{{conv: {{c: 4, k: 1}}, name: "{name}"}}]}}
    """)
    with pytest.raises(CnnCostError, match=message):
        cnncost.analyze(path)


def test_flat_parallel_keeps_the_enclosing_scope(tmp_path):
    path = _spec(tmp_path, """
        name: t
        input: [3, 8, 8]
        layers:
          - name: fire
            seq:
              - {conv: {c: 2, k: 1}, name: squeeze}
              - parallel:
                  merge: concat
                  flat: true
                  branches:
                    - [{conv: {c: 4, k: 1}, name: expand1x1}]
                    - [{conv: {c: 4, k: 3, p: 1}, name: expand3x3}]
    """)
    rows = cnncost.analyze(path).rows
    assert [r.name for r in rows] == ["fire.squeeze", "fire.expand1x1", "fire.expand3x3",
                                      "fire.concat"]
    assert rows[-1].output == (8, 8, 8)
    assert rows[2].params == 4 * 2 * 9 + 4


# ---- the CLI ----------------------------------------------------------------------------------

MINE = ["densenet121", "densenet161", "densenet169", "densenet201", "mobilenet_v1",
        "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v1",
        "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "squeezenet1_0", "squeezenet1_1",
        "mnasnet1_0", "efficientnet_b0", "se_resnet50", "se_resnet50-paper"]


def test_models_are_listed(cli):
    code, out, _ = cli("list")
    assert code == 0
    assert all(name in out for name in MINE)
    assert set(MINE) <= set(model_names())


def test_compare_lecture_line(cli):
    models = ["resnet50", "resnext50_32x4d", "se_resnet50", "densenet121", "mobilenet_v2",
              "shufflenet_v2_x1_0"]
    missing = [m for m in models if m not in model_names()]
    if missing:
        pytest.skip(f"not bundled yet: {missing}")
    code, out, err = cli("compare", *models, "--exact")
    assert code == 0, err
    for number in ("28,088,024", "4,091,699,200", "7,978,856", "3,504,872", "2,278,604"):
        assert number in out or number.replace(",", "") in out
