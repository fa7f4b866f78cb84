"""torchvision's 15 RegNets against torchvision itself (skips without torch/torchvision).

Independent sources: torchvision's own ``BlockParams.from_init_params`` (the per-stage widths,
depths and group widths that the spec computes from the design-space parameters), the weights'
published ``num_params`` and ``_ops`` (GMACs at each weight's crop size), the forward-hook
oracle in ``tests/torch_oracle.py`` (on the meta device: regnet_y_128gf is 127 GMACs), leaf-module
output shapes from forward hooks, ``named_parameters`` / ``named_buffers``, and autograd's
saved tensors for the training memory.
"""

from __future__ import annotations

import pytest

import cnncost
from cnncost.api import build_graph
from cnncost.spec.bindings import environment
from cnncost import load_spec
from torch_oracle import torch_counts
from torchvision_meta import buffer_names, leaf_output_shapes, meta_device, param_table

X = ["regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf",
     "regnet_x_16gf", "regnet_x_32gf"]
Y = ["regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
     "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf"]
ALL = X + Y
SIZES = [(224, 224), (193, 257), (227, 227), (320, 320)]


def _weights(models, name: str):
    """regnet_y_1_6gf -> RegNet_Y_1_6GF_Weights."""
    return getattr(models, "RegNet_" + name[len("regnet_"):].upper() + "_Weights")


_BUILT: dict[str, object] = {}


def _model(models, name: str):
    """torchvision's model on the meta device, built once per test session."""
    if name not in _BUILT:
        with meta_device():
            _BUILT[name] = getattr(models, name)(weights=None)
    return _BUILT[name]


def test_all_fifteen_are_bundled():
    assert set(ALL) <= set(cnncost.model_names())


@pytest.mark.parametrize("name", ALL)
def test_stage_settings_equal_block_params(torchvision_models, name):
    """The spec's computed stage widths/depths/group widths are torchvision's."""
    model = _model(torchvision_models, name)
    stages = list(model.trunk_output.children())
    depths = [len(stage) for stage in stages]
    widths = [stage[0].f.c[0].out_channels for stage in stages]
    groups = [stage[0].f.b[0].groups for stage in stages]
    env, _ = environment(load_spec(name))
    assert env["stage_depths"] == depths
    assert env["stage_widths"] == widths
    assert [w // g for w, g in zip(widths, env["stage_group_widths"])] == groups


@pytest.mark.parametrize("name", ALL)
def test_published_metadata_of_every_weight(torchvision_models, name):
    """num_params exactly; _ops (GFLOPS = GMACs, 3 decimals) at each weight's crop size (the
    SWAG end-to-end weights of regnet_y_16gf/32gf/128gf evaluate at 384)."""
    for weights in _weights(torchvision_models, name):
        crop = weights.transforms.keywords["crop_size"]
        totals = cnncost.analyze(name, input=f"3x{crop}x{crop}").totals
        assert totals.params == weights.meta["num_params"], weights
        assert round(totals.macs / 1e9, 3) == pytest.approx(weights.meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("name,size", [(n, s) for n in ALL for s in SIZES])
def test_params_and_macs_equal_the_hook_oracle(torchvision_models, name, size):
    h, w = size
    model = _model(torchvision_models, name)
    with meta_device():
        expected = torch_counts(model, (3, h, w))
    totals = cnncost.analyze(name, input=f"3x{h}x{w}").totals
    assert (totals.params, totals.macs) == expected


@pytest.mark.parametrize("name,size", [("regnet_x_400mf", (193, 257)), ("regnet_y_400mf", (227, 227)),
                                       ("regnet_x_8gf", (224, 224)), ("regnet_y_32gf", (97, 131)),
                                       ("regnet_y_128gf", (33, 33))])
def test_leaf_module_output_shapes(torchvision_models, name, size):
    """Every leaf module that runs has a row of the same name and output shape."""
    h, w = size
    model = _model(torchvision_models, name)
    with meta_device():
        expected = leaf_output_shapes(model, (3, h, w))
    rows = {r.name: tuple(r.output) for r in cnncost.analyze(name, input=f"3x{h}x{w}").rows}
    assert {k: rows.get(k) for k in expected} == expected


@pytest.mark.parametrize("name", ["regnet_x_400mf", "regnet_y_400mf", "regnet_x_8gf",
                                  "regnet_y_16gf"])
def test_parameter_and_buffer_names(torchvision_models, name):
    model = _model(torchvision_models, name)
    graph = build_graph(name)
    assert param_table(graph, train=False) == {k: tuple(p.shape)
                                               for k, p in model.named_parameters()}
    assert buffer_names(graph) == {k for k, _ in model.named_buffers()
                                   if not k.endswith("num_batches_tracked")}


def test_a_tiny_input_still_projects_on_stride(torchvision_models):
    """torchvision's min_size is 1x1. There a stride-2 block keeps the shape, yet torchvision
    still builds proj (stride != 1): the spec decides by width and stride, not by shape."""
    for name in ALL:
        assert next(iter(_weights(torchvision_models, name))).meta["min_size"] == (1, 1)
        cnncost.analyze(name, input="3x1x1")
    rows = {r.name for r in cnncost.analyze("regnet_y_400mf", input="3x1x1").rows}
    assert "trunk_output.block4.block4-0.proj.0" in rows
    assert "trunk_output.block4.block4-1.proj.0" not in rows


@pytest.mark.parametrize("name,size", [("regnet_x_400mf", 128), ("regnet_y_400mf", 97)])
def test_saved_for_backward_within_1_percent(torchvision_models, name, size):
    """fit --train's saved-for-backward bytes against autograd's saved tensors (CPU)."""
    import torch

    from cnncost.analysis import memory as m
    from torch_oracle import torch_saved_bytes

    with meta_device():
        model = getattr(torchvision_models, name)(weights=None)
    model = model.to_empty(device="cpu")
    torch.manual_seed(0)
    measured = torch_saved_bytes(model, torch.randn(2, 3, size, size))
    graph = build_graph(name, input=f"3x{size}x{size}")
    predicted = m.saved_bytes(m.plan(graph, train=True, device="cpu"), 2)
    assert predicted == pytest.approx(measured, rel=0.01), (predicted, measured)


@pytest.mark.parametrize("name", ["regnet_x_400mf", "regnet_y_400mf"])
def test_verify_torch_agrees(torchvision_models, name):
    """verify --torch: torchvision's tensors load into the numpy reference; same logits."""
    from cnncost.verify.reference_torch import verify_torch

    v = verify_torch(build_graph(name, input="3x32x32"), batch=2)
    info = v.extra["torch"]
    assert info["shape_mismatches"] == [] and v.error is None and v.mismatches == []
    assert info["logits_ok"] and info["logit_std"] > 100 * info["atol"] and v.ok
