"""VGG-BN, MNASNet, ShuffleNetV2 and EfficientNet (V1 B1-B7, V2 S/M/L) against torchvision.

Independent sources only: torchvision's published weight metadata (``num_params``, ``_ops`` =
GMACs at the weights' crop, read from the weights' own transforms), and real torchvision models
built on torch's ``meta`` device (shapes without arithmetic, so even EfficientNet-B7 at 320x320
costs milliseconds) measured by the hooks in tests/torch_oracle.py: params, conv+linear MACs and
the output shape of every leaf module, at 224x224 and at odd and non-square sizes.
"""

from __future__ import annotations

import pytest

import cnncost
from cnncost.api import build_graph
from torch_oracle import leaf_output_shapes, torch_counts

# cnncost model (= torchvision builder) -> torchvision weights enum
MODELS = {
    "vgg11_bn": "VGG11_BN_Weights",
    "vgg13_bn": "VGG13_BN_Weights",
    "vgg19_bn": "VGG19_BN_Weights",
    "mnasnet0_5": "MNASNet0_5_Weights",
    "mnasnet0_75": "MNASNet0_75_Weights",
    "mnasnet1_3": "MNASNet1_3_Weights",
    "shufflenet_v2_x1_5": "ShuffleNet_V2_X1_5_Weights",
    "shufflenet_v2_x2_0": "ShuffleNet_V2_X2_0_Weights",
    **{f"efficientnet_b{i}": f"EfficientNet_B{i}_Weights" for i in range(1, 8)},
    "efficientnet_v2_s": "EfficientNet_V2_S_Weights",
    "efficientnet_v2_m": "EfficientNet_V2_M_Weights",
    "efficientnet_v2_l": "EfficientNet_V2_L_Weights",
}
SIZES = [(224, 224), (193, 257), (227, 227), (320, 320)]
EFFICIENTNETS = [name for name in MODELS if name.startswith("efficientnet")]


@pytest.fixture(scope="module")
def meta_model(torchvision_models):
    """torchvision's model of that name on the meta device, built once per test module."""
    import torch

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            with torch.device("meta"):
                cache[name] = getattr(torchvision_models, name)(weights=None).eval()
        return cache[name]

    return get


def _weights(models, name: str) -> list:
    return list(getattr(models, MODELS[name]))


@pytest.mark.parametrize("name", list(MODELS))
def test_published_metadata_at_the_weights_crop(torchvision_models, name):
    """num_params exactly and _ops (GMACs, 3 decimals) at each weight's evaluation crop; the
    spec's default input is that crop."""
    for w in _weights(torchvision_models, name):
        crop = w.transforms.keywords["crop_size"]
        totals = cnncost.analyze(name, input=f"3x{crop}x{crop}").totals
        assert totals.params == w.meta["num_params"]
        assert round(totals.macs / 1e9, 3) == pytest.approx(w.meta["_ops"], abs=1e-9)
        assert cnncost.analyze(name).input == (3, crop, crop)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(MODELS))
def test_params_and_macs_equal_torchvision(meta_model, name, size):
    import torch

    h, w = size
    with torch.device("meta"):
        expected = torch_counts(meta_model(name), (3, h, w))
    totals = cnncost.analyze(name, input=f"3x{h}x{w}").totals
    assert (totals.params, totals.macs) == expected


@pytest.mark.parametrize("name", list(MODELS))
def test_every_leaf_module_output_shape(meta_model, name):
    """Each leaf module torch runs (at an odd, non-square size) is a spec row of that name and
    output shape; the stochastic-depth identity rows included."""
    ran = leaf_output_shapes(meta_model(name), (3, 193, 257))
    rows = {n.name: tuple(n.shape) for n in build_graph(name, input="3x193x257").nodes[1:]}
    assert all(len(shapes) == 1 for shapes in ran.values())  # no module runs twice
    assert {k: v[0] for k, v in ran.items()} == {k: rows.get(k) for k in ran}


@pytest.mark.parametrize("name", list(MODELS))
def test_parameter_and_buffer_names_and_shapes(meta_model, name):
    """Row names are torchvision's module paths: every state_dict tensor, same shape."""
    from cnncost.verify.reference_torch import compare_shapes

    assert compare_shapes(build_graph(name), meta_model(name).state_dict()) == []


@pytest.mark.parametrize("name", EFFICIENTNETS)
def test_stochastic_depth_probabilities(meta_model, name):
    """Block b of B drops with p = 0.2 * b / B: the identity rows carry torchvision's p, in
    exactly the blocks that add their input back."""
    model = meta_model(name)
    theirs = {k: m.p for k, m in model.named_modules() if type(m).__name__ == "StochasticDepth"
              and model.get_submodule(k.rsplit(".", 1)[0]).use_res_connect}
    ours = {n.name: n.args["p"] for n in build_graph(name).nodes if n.type == "identity"}
    assert ours == theirs and len(ours) > 0


def test_fused_mbconv_layout(meta_model):
    """EfficientNetV2-S stage 1 is a Fused-MBConv with expand ratio 1 (one 3x3 conv with its
    SiLU, residual), stage 2 expands with a dense 3x3/2 then projects with a linear 1x1."""
    rows = {n.name: n for n in build_graph("efficientnet_v2_s", input="3x64x64").nodes}
    assert rows["features.1.0.block.0.0"].args["k"] == (3, 3)
    assert rows["features.1.0.block.0.2"].type == "silu"
    assert "features.1.0.block.1.0" not in rows
    assert rows["features.2.0.block.0.0"].args["s"] == (2, 2)
    assert rows["features.2.0.block.0.0"].param_shapes["weight"] == (96, 24, 3, 3)  # 24 * 4
    assert rows["features.2.0.block.1.0"].param_shapes["weight"] == (48, 96, 1, 1)
    assert "features.2.0.block.1.2" not in rows  # linear projection: no activation
