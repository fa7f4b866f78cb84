"""SE-ResNet and DenseNet against their papers and torch, and the squeeze-excitation gates."""

from __future__ import annotations

import random

import pytest

import cnncost
from cnncost.spec.bindings import make_symbol


@pytest.mark.parametrize("model", ["se_resnet50", "efficientnet_b0", "mobilenet_v3_small"])
def test_squeeze_excitation_models_symbolic_equals_numeric(model):
    H, W = make_symbol("H"), make_symbol("W")
    sym = cnncost.analyze(model, input="3xHxW")
    h, w = random.Random(model).choice([(224, 224), (160, 192), (256, 224)])
    num = cnncost.analyze(model, input=f"3x{h}x{w}")
    for field in ("params", "macs", "activation_bytes", "other_ops"):
        value = getattr(sym.totals, field)
        value = value.subs({H: h, W: w}) if hasattr(value, "subs") else value
        assert int(value) == getattr(num.totals, field), (model, field)
    for srow, nrow in zip(sym.rows, num.rows):
        shape = tuple(int(d.subs({H: h, W: w})) if hasattr(d, "subs") else d for d in srow.output)
        assert shape == nrow.output, srow.name


def test_se_resnet50_first_gate_is_full_size_symbolic():
    # stem: conv 7x7/2 then max-pool 3x3/2 -> H/4; layer1 keeps it; bottleneck width 64*4 = 256
    H, W = make_symbol("H"), make_symbol("W")
    r = cnncost.analyze("se_resnet50", input="3xHxW")
    row = next(row for row in r.rows if row.name == "layer1.0.se_module.mul")
    assert tuple(int(d.subs({H: 224, W: 224})) if hasattr(d, "subs") else d
                 for d in row.output) == (256, 56, 56)


def _totals(model: str, size: int = 224, **sets):
    return cnncost.analyze(model, input=f"3x{size}x{size}", set=sets or None)

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
