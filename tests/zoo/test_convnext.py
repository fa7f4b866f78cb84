"""ConvNeXt (torchvision layout) against torchvision itself: params, conv+linear MACs, every leaf
module's output shape and every state_dict tensor, on the meta device (no weights, no compute);
the weights' published metadata; what autograd saves in training (a small real CPU pass); and the
numpy / torch reference runs at a small input."""

from __future__ import annotations

from typing import Any

import pytest

import cnncost
from cnncost.api import build_graph

VARIANTS = {"convnext_tiny": "ConvNeXt_Tiny_Weights", "convnext_small": "ConvNeXt_Small_Weights",
            "convnext_base": "ConvNeXt_Base_Weights", "convnext_large": "ConvNeXt_Large_Weights"}
SIZES = [(224, 224), (193, 257), (227, 227), (320, 320)]


_META: dict[str, Any] = {}


def meta_model(models: Any, name: str) -> Any:
    """torchvision's model on the meta device (shapes only), built once per name."""
    import torch

    if name not in _META:
        with torch.device("meta"):
            _META[name] = getattr(models, name)().eval()
    return _META[name]


def meta_run(model: Any, h: int, w: int) -> tuple[int, int, dict[str, tuple]]:
    """(params, conv+linear MACs, leaf module path -> output shape) of one meta forward.

    MACs come from the tensors that flow: a conv's output elements x in/groups x kernel area; a
    linear's output elements x in_features (it runs over the last axis of N x H x W x C)."""
    import torch

    macs, shapes, handles = 0, {}, []

    def hook(name: str):
        def run(mod: Any, inp: Any, out: Any) -> None:
            nonlocal macs
            per_sample = out.numel() // out.shape[0]
            if isinstance(mod, torch.nn.Conv2d):
                kh, kw = mod.kernel_size
                macs += per_sample * (mod.in_channels // mod.groups) * kh * kw
            elif isinstance(mod, torch.nn.Linear):
                macs += per_sample * mod.in_features
            shapes[name] = tuple(out.shape[1:])
        return run

    for name, mod in model.named_modules():
        if name and not any(True for _ in mod.children()):
            handles.append(mod.register_forward_hook(hook(name)))
    with torch.no_grad():
        model(torch.empty(1, 3, h, w, device="meta"))
    for handle in handles:
        handle.remove()
    return sum(p.numel() for p in model.parameters()), macs, shapes


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_params_macs_and_leaf_shapes_equal_torchvision(torchvision_models, name, size):
    h, w = size
    params, macs, shapes = meta_run(meta_model(torchvision_models, name), h, w)
    report = cnncost.analyze(name, input=f"3x{h}x{w}")
    assert (report.totals.params, report.totals.macs) == (params, macs)
    ours = {row.name: tuple(row.output) for row in report.rows}
    # every torch leaf module is a row of the same name with the same output shape (channels
    # last between the two permutes, as torch's)
    assert {k: ours.get(k) for k in shapes} == shapes


@pytest.mark.parametrize("name", ["convnext_tiny", "convnext_base"])
def test_state_dict_keys_and_shapes_equal_torchvision(torchvision_models, name):
    from cnncost.verify.reference_torch import compare_shapes

    state = meta_model(torchvision_models, name).state_dict()
    assert compare_shapes(build_graph(name, input="3x193x257"), state) == []
    assert "features.1.0.layer_scale" in state  # the parameter lives on the block


@pytest.mark.parametrize("name", list(VARIANTS))
def test_published_metadata(torchvision_models, name):
    """torchvision's weight metadata: exact num_params, _ops (GMACs at 224) to 3 decimals."""
    from torch_oracle import weights_meta

    meta = weights_meta(torchvision_models, VARIANTS[name])
    totals = cnncost.analyze(name).totals
    assert totals.params == meta["num_params"]
    assert round(totals.macs / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("name,params_m,gflops", [
    ("convnext_tiny", 29, 4.5), ("convnext_small", 50, 8.7), ("convnext_base", 89, 15.4),
    ("convnext_large", 198, 34.4)])
def test_paper_table(name, params_m, gflops):
    """Liu et al. 2022, Table 1 (ImageNet-1K, 224²): params in M, FLOPs (multiply-adds) in G."""
    totals = cnncost.analyze(name).totals
    assert round(totals.params / 1e6) == params_m and round(totals.macs / 1e9, 1) == gflops


@pytest.mark.parametrize("name", ["convnext_tiny", "convnext_small"])
def test_saved_for_backward_equals_autograd(torchvision_models, name):
    """Every tensor LayerNorm (input, per-row mean and rstd), the linears over the last axis,
    GELU, layer scale (the block output) and stochastic depth (a per-sample mask) keep; permutes
    keep nothing. Exact before the allocator's 512-byte rounding, within 1% after it."""
    import torch
    from torch_oracle import torch_saved_bytes

    from cnncost.analysis import memory as m

    torch.manual_seed(0)
    with torch.device("meta"):
        model = getattr(torchvision_models, name)()
    measured = torch_saved_bytes(model.to_empty(device="cpu"), torch.randn(2, 3, 32, 32))
    plan = m.plan(build_graph(name, input="3x32x32"), train=True, device="cpu")
    raw = sum(plan.storages[k].per_sample * 2 + plan.storages[k].fixed for k in plan.saved_by)
    assert raw == measured
    assert m.saved_bytes(plan, 2) == pytest.approx(measured, rel=0.01)


def test_verify_numpy_and_torch(cli, torchvision_models):
    """The numpy reference run (shapes, params, MACs per layer) and torchvision's logits."""
    code, out, err = cli("verify", "convnext_tiny", "--input", "3x32x32", "--torch")
    assert code == 0, out + err
    assert "torch agrees" in out and "182 state_dict tensors" in out


def test_symbolic_equals_numeric():
    import sympy

    macs = cnncost.analyze("convnext_tiny", input="3xHxW").totals.macs
    at = {s: {"H": 193, "W": 257}[s.name] for s in macs.free_symbols}
    assert sympy.Integer(macs.subs(at)) == cnncost.analyze("convnext_tiny",
                                                           input="3x193x257").totals.macs
