"""GoogLeNet and the ResNet family against torchvision: params, MACs, parameter names and shapes.

Every expected number comes from torchvision itself: its published weight metadata
(``num_params``, ``_ops`` = GMACs) and the hook-based oracle in ``torch_oracle.py``, which counts
MACs from the tensors that actually flow through a built model. Odd and non-square inputs check
the shape rules (ceil-mode pools, strides) as well as the formulas.
"""

from __future__ import annotations

import pytest

import cnncost
from cnncost.api import build_graph

from torch_oracle import torch_counts, weights_meta

# cnncost model -> (torchvision builder, weights enum)
RESNETS = {
    "resnet18": ("resnet18", "ResNet18_Weights"),
    "resnet34": ("resnet34", "ResNet34_Weights"),
    "resnet50": ("resnet50", "ResNet50_Weights"),
    "resnet101": ("resnet101", "ResNet101_Weights"),
    "resnet152": ("resnet152", "ResNet152_Weights"),
    "resnext50_32x4d": ("resnext50_32x4d", "ResNeXt50_32X4D_Weights"),
    "resnext101_32x8d": ("resnext101_32x8d", "ResNeXt101_32X8D_Weights"),
    "resnext101_64x4d": ("resnext101_64x4d", "ResNeXt101_64X4D_Weights"),
    "wide_resnet50_2": ("wide_resnet50_2", "Wide_ResNet50_2_Weights"),
    "wide_resnet101_2": ("wide_resnet101_2", "Wide_ResNet101_2_Weights"),
}
ALL = {**RESNETS, "googlenet": ("googlenet", "GoogLeNet_Weights")}

# input sizes per model (the big ones at fewer sizes to keep the suite fast)
SIZES = {
    "resnet18": [(224, 224), (193, 193), (97, 131), (33, 33)],
    "resnet34": [(224, 224), (97, 97)],
    "resnet50": [(224, 224), (97, 160)],
    "resnet101": [(224, 224), (97, 97)],
    "resnet152": [(224, 224), (65, 65)],
    "resnext50_32x4d": [(193, 193)],
    "resnext101_32x8d": [(224, 224), (65, 65)],
    "resnext101_64x4d": [(193, 193)],
    "wide_resnet50_2": [(224, 224), (97, 97)],
    "wide_resnet101_2": [(97, 97)],
    "googlenet": [(224, 224), (193, 193), (97, 97), (160, 115), (15, 15)],
}


def _tv(models, name: str, aux: bool = False):
    builder = getattr(models, ALL[name][0])
    if name == "googlenet":
        return builder(weights=None, aux_logits=aux, init_weights=False)
    return builder(weights=None)


@pytest.mark.parametrize("name", sorted(ALL))
def test_published_metadata(torchvision_models, name):
    """torchvision's num_params and _ops (GMACs to 3 decimals) at 224x224."""
    meta = weights_meta(torchvision_models, ALL[name][1])
    r = cnncost.analyze(name)
    assert r.input == (3, 224, 224)
    assert r.totals.params == meta["num_params"]
    assert round(r.totals.macs / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)


# models this large are built and run on torch's "meta" device (shapes only, no arithmetic)
META = {"resnet101", "resnet152", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet101_2",
        "wide_resnet50_2"}


@pytest.mark.parametrize("name,size", [(n, s) for n in sorted(SIZES) for s in SIZES[n]])
def test_oracle_counts(torchvision_models, name, size):
    """Params and conv+linear MACs equal the hook-based oracle at several input sizes."""
    import contextlib

    import torch

    h, w = size
    with torch.device("meta") if name in META else contextlib.nullcontext():
        params, macs = torch_counts(_tv(torchvision_models, name), (3, h, w))
    r = cnncost.analyze(name, input=f"3x{h}x{w}")
    assert (r.totals.params, r.totals.macs) == (params, macs)


def _param_table(graph, train: bool) -> dict[str, tuple]:
    return {f"{n.name}.{key}": tuple(shape)
            for n in graph.nodes[1:] if train or not n.train_only
            for key, shape in n.param_shapes.items()}


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnext50_32x4d", "googlenet"])
def test_parameter_names_and_shapes(torchvision_models, name):
    """Row names are torchvision's module paths: the parameter tables are identical."""
    model = _tv(torchvision_models, name)
    expected = {k: tuple(p.shape) for k, p in model.named_parameters()}
    assert _param_table(build_graph(name), train=False) == expected
    buffers = {k for k, _ in model.named_buffers() if not k.endswith("num_batches_tracked")}
    ours = {f"{n.name}.{key}" for n in build_graph(name).nodes[1:] if not n.train_only
            for key in n.buffer_shapes}
    assert ours == buffers


def test_googlenet_aux_heads_only_in_training(torchvision_models):
    """--train adds aux1/aux2 exactly as torchvision's googlenet(aux_logits=True)."""
    model = _tv(torchvision_models, "googlenet", aux=True)
    expected = {k: tuple(p.shape) for k, p in model.named_parameters()}
    assert sum(p.numel() for p in model.parameters()) == 13_004_888
    assert _param_table(build_graph("googlenet"), train=True) == expected
    assert cnncost.analyze("googlenet", train=True).totals.params == 13_004_888
    assert cnncost.analyze("googlenet").totals.params == 6_624_904


@pytest.mark.parametrize("size", [(224, 224), (97, 97)])
def test_googlenet_aux_macs(torchvision_models, size):
    """The train-only MACs are those of the two aux heads on inception4a/4d's outputs."""
    import torch

    model = _tv(torchvision_models, "googlenet", aux=True).eval()
    shapes = {}
    for key in ("inception4a", "inception4d"):
        getattr(model, key).register_forward_hook(
            lambda mod, inp, out, key=key: shapes.__setitem__(key, tuple(out.shape[1:])))
    with torch.no_grad():
        model(torch.zeros(1, 3, *size))
    aux_macs = (torch_counts(model.aux1, shapes["inception4a"])[1]
                + torch_counts(model.aux2, shapes["inception4d"])[1])
    h, w = size
    train = cnncost.analyze("googlenet", input=f"3x{h}x{w}", train=True).totals.macs
    infer = cnncost.analyze("googlenet", input=f"3x{h}x{w}").totals.macs
    assert train - infer == aux_macs > 0


def test_resnet_stage_slice(torchvision_models):
    """--from/--until over one stage: the params of torchvision's model.layer3."""
    model = _tv(torchvision_models, "resnet50")
    expected = sum(p.numel() for p in model.layer3.parameters())
    r = cnncost.analyze("resnet50", start="layer3", until="layer3")
    assert r.totals.params == expected
    assert r.input == (512, 28, 28)
