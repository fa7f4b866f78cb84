"""Post-2015 torchvision models: params and MACs against real torchvision models.

Two independent sources: a hook-based count over the tensors that actually flow through the
torchvision model (tests/torch_oracle.py), at several input sizes including odd ones, and the
``num_params`` / ``_ops`` (GFLOPS = GMACs) metadata that torchvision publishes with its weights.
Layer names are checked too: every learnable spec layer must be a torchvision module path.
"""

from __future__ import annotations

import pytest

import cnncost

from torch_oracle import torch_counts, weights_meta

# model name -> (weights enum, input sizes to check; odd ones where the net allows)
MODELS = {
    "densenet121": ("DenseNet121_Weights", (224, 193, 129)),
    "densenet161": ("DenseNet161_Weights", (97,)),  # 224: covered by the metadata test
    "densenet169": ("DenseNet169_Weights", (97,)),
    "densenet201": ("DenseNet201_Weights", (65,)),
    "mobilenet_v2": ("MobileNet_V2_Weights", (224, 193, 129, 33)),
    "mobilenet_v3_large": ("MobileNet_V3_Large_Weights", (224, 193, 129)),
    "mobilenet_v3_small": ("MobileNet_V3_Small_Weights", (224, 193, 65)),
    "shufflenet_v2_x0_5": ("ShuffleNet_V2_X0_5_Weights", (224, 193, 129)),
    "shufflenet_v2_x1_0": ("ShuffleNet_V2_X1_0_Weights", (224, 193, 129)),
    "squeezenet1_0": ("SqueezeNet1_0_Weights", (224, 227, 193, 129)),
    "squeezenet1_1": ("SqueezeNet1_1_Weights", (224, 227, 193, 129)),
    "mnasnet1_0": ("MNASNet1_0_Weights", (224, 193, 129)),
    "efficientnet_b0": ("EfficientNet_B0_Weights", (224, 193, 129)),
}

CASES = [(name, size) for name, (_, sizes) in MODELS.items() for size in sizes]


@pytest.fixture(scope="module")
def built(torchvision_models):
    """One torchvision model per name, built once per test module."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = getattr(torchvision_models, name)()
        return cache[name]

    return get


@pytest.mark.parametrize("name,size", CASES)
def test_params_and_macs_equal_torchvision(built, name, size):
    tv_params, tv_macs = torch_counts(built(name), (3, size, size))
    totals = cnncost.analyze(name, input=f"3x{size}x{size}").totals
    assert (totals.params, totals.macs) == (tv_params, tv_macs)


@pytest.mark.parametrize("name,size", [("mobilenet_v2", (224, 160)), ("squeezenet1_1", (200, 131)),
                                       ("efficientnet_b0", (240, 177))])
def test_non_square_inputs(built, name, size):
    h, w = size
    tv = torch_counts(built(name), (3, h, w))
    totals = cnncost.analyze(name, input=f"3x{h}x{w}").totals
    assert (totals.params, totals.macs) == tv


@pytest.mark.parametrize("name", list(MODELS))
def test_published_metadata(torchvision_models, name):
    """torchvision's weight metadata: exact param count, GFLOPS printed to 3 decimals."""
    meta = weights_meta(torchvision_models, MODELS[name][0])
    totals = cnncost.analyze(name, input="3x224x224").totals
    assert totals.params == meta["num_params"]
    assert round(totals.macs / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("name", list(MODELS))
def test_layer_names_are_torchvision_module_paths(built, name):
    """Every layer that owns parameters is named exactly like its torchvision module."""
    model = built(name)
    with_params = {n for n, m in model.named_modules()
                   if any(True for _ in m.parameters(recurse=False))}
    report = cnncost.analyze(name)
    ours = {row.name for row in report.rows if row.params}
    assert ours == with_params


def test_shapes_follow_torchvision_ceil_mode(built):
    """SqueezeNet's ceil-mode pools: the feature map sizes torch produces at an odd size."""
    import torch

    model = built("squeezenet1_0")
    with torch.no_grad():
        out = model.features(torch.zeros(1, 3, 227, 227))
    row = next(r for r in cnncost.analyze("squeezenet1_0", input="3x227x227").rows
               if r.name == "features.12.concat")
    assert tuple(row.output) == tuple(out.shape[1:])
