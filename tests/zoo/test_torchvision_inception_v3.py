"""Inception v3 against torchvision's inception_v3 (skips without torch/torchvision).

Independent sources: the weights' published ``num_params`` (27,161,264: the weights load with
aux_logits=True, so it counts AuxLogits) and ``_ops`` (5.713 GMACs at 299), the forward-hook
oracle, leaf-module output shapes, ``named_parameters`` and autograd's saved tensors.

The auxiliary head needs Mixed_6e >= 17x17, i.e. an input of at least 299x299, while the
inference network runs from 75x75. cnncost size-checks the train-only side also at inference
(a known bug, fixed separately), so these tests use inputs where both work.
"""

from __future__ import annotations

import pytest

import cnncost
from cnncost.api import build_graph
from torch_oracle import torch_counts, weights_meta
from torchvision_meta import buffer_names, leaf_output_shapes, meta_device, param_table

SIZES = [(299, 299), (342, 301), (320, 320), (301, 400)]
AUX_PARAMS = (768 * 128 + 2 * 128          # conv0 1x1 + bn
              + 128 * 768 * 5 * 5 + 2 * 768  # conv1 5x5 + bn
              + 768 * 1000 + 1000)         # fc


def _model(models, aux: bool = False):
    with meta_device():
        return models.inception_v3(weights=None, aux_logits=aux, init_weights=False)


def test_published_metadata(torchvision_models):
    meta = weights_meta(torchvision_models, "Inception_V3_Weights")
    assert meta["num_params"] == 27_161_264
    assert cnncost.analyze("inception_v3", train=True).totals.params == meta["num_params"]
    totals = cnncost.analyze("inception_v3").totals
    assert totals.params == meta["num_params"] - AUX_PARAMS
    assert round(totals.macs / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)


@pytest.mark.parametrize("size", SIZES)
def test_params_and_macs_equal_the_hook_oracle(torchvision_models, size):
    h, w = size
    with meta_device():
        expected = torch_counts(_model(torchvision_models), (3, h, w))
    totals = cnncost.analyze("inception_v3", input=f"3x{h}x{w}").totals
    assert (totals.params, totals.macs) == expected


@pytest.mark.parametrize("size", [(299, 299), (342, 301)])
def test_leaf_module_output_shapes(torchvision_models, size):
    h, w = size
    with meta_device():
        expected = leaf_output_shapes(_model(torchvision_models), (3, h, w))
    rows = {r.name: tuple(r.output) for r in cnncost.analyze("inception_v3",
                                                              input=f"3x{h}x{w}").rows}
    assert len(expected) == 94 * 2 + 5  # 94 BasicConv2d (conv, bn), 2 max pools, avgpool, ...
    assert {k: rows.get(k) for k in expected} == expected


@pytest.mark.parametrize("size", [(299, 299), (342, 301)])
def test_aux_head_shapes_and_macs(torchvision_models, size):
    """With --train, AuxLogits runs on Mixed_6e's output: its leaf shapes and MACs are those of
    torchvision's InceptionAux on that tensor."""
    import torch

    h, w = size
    model = _model(torchvision_models, aux=True).eval()
    grid = {}

    def keep(mod, inp, out) -> None:
        grid["x"] = tuple(out.shape[1:])

    model.Mixed_6e.register_forward_hook(keep)
    with meta_device(), torch.no_grad():
        model(torch.zeros(1, 3, h, w))
        aux_shapes = leaf_output_shapes(model.AuxLogits, grid["x"])
        aux_macs = torch_counts(model.AuxLogits, grid["x"])[1]
    report = cnncost.analyze("inception_v3", input=f"3x{h}x{w}", train=True)
    rows = {r.name: tuple(r.output) for r in report.rows}
    assert {f"AuxLogits.{k}": v for k, v in aux_shapes.items()} == \
        {f"AuxLogits.{k}": rows.get(f"AuxLogits.{k}") for k in aux_shapes}
    infer = cnncost.analyze("inception_v3", input=f"3x{h}x{w}").totals.macs
    assert report.totals.macs - infer == aux_macs > 0


@pytest.mark.parametrize("aux", [False, True])
def test_parameter_and_buffer_names(torchvision_models, aux):
    model = _model(torchvision_models, aux=aux)
    graph = build_graph("inception_v3")
    assert param_table(graph, train=aux) == {k: tuple(p.shape)
                                             for k, p in model.named_parameters()}
    assert buffer_names(graph, train=aux) == {k for k, _ in model.named_buffers()
                                              if not k.endswith("num_batches_tracked")}


def test_saved_for_backward_within_1_percent(torchvision_models):
    """fit --train's saved-for-backward bytes against autograd's saved tensors (CPU, 299,
    without the aux head as test_memory_torch builds it)."""
    import torch

    from cnncost.analysis import memory as m
    from torch_oracle import torch_saved_bytes

    model = _model(torchvision_models).to_empty(device="cpu")
    torch.manual_seed(0)
    measured = torch_saved_bytes(model, torch.randn(2, 3, 299, 299))
    graph = build_graph("inception_v3", input="3x299x299")
    predicted = m.saved_bytes(m.plan(graph, train=True, device="cpu"), 2)
    assert predicted == pytest.approx(measured, rel=0.01), (predicted, measured)


@pytest.mark.parametrize("train", [False, True])
def test_verify_torch_agrees(torchvision_models, train):
    """verify --torch at 299 (aux tensors compared too; with --train the numpy pass also runs the
    aux head)."""
    from cnncost.verify.reference_torch import verify_torch

    v = verify_torch(build_graph("inception_v3"), batch=1, train=train)
    info = v.extra["torch"]
    assert info["shape_mismatches"] == [] and v.error is None and v.mismatches == []
    assert info["logits_ok"] and info["logit_std"] > 100 * info["atol"] and v.ok
