"""The valid input domain (analysis/domain.py): the smallest square input against torchvision's
published ``min_size`` and torch itself, and the reports' bisection against the definition."""

from __future__ import annotations

import pytest

from cnncost.errors import CnnCostError
from cnncost.analysis.domain import min_square, min_square_input

# torchvision 0.29.1: <Weights>.IMAGENET1K_V1.meta["min_size"]
PUBLISHED = {"alexnet": 63, "vgg11": 32, "vgg16_bn": 32, "googlenet": 15, "densenet121": 29,
             "densenet201": 29, "squeezenet1_0": 21, "squeezenet1_1": 17, "resnet50": 1,
             "mobilenet_v3_small": 1, "shufflenet_v2_x0_5": 1, "efficientnet_b0": 1,
             "inception_v3": 75, "regnet_y_400mf": 1}


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_min_size_equals_torchvision_metadata(model):
    assert min_square_input(model) == PUBLISHED[model]


@pytest.mark.parametrize("model", ["alexnet", "googlenet", "squeezenet1_1", "densenet121",
                                   "inception_v3"])
def test_min_size_is_where_torch_starts_to_run(torchvision_models, model):
    """torch on the meta device (no arithmetic): one side below fails, the found side runs."""
    import torch

    side = min_square_input(model)
    with torch.device("meta"):
        net = torchvision_models.get_model(model, **(
            {"aux_logits": False, "init_weights": False} if model in ("googlenet", "inception_v3")
            else {})).eval()

    def runs(s: int) -> bool:
        try:
            with torch.no_grad():
                net(torch.empty(1, 3, s, s, device="meta"))
        except RuntimeError:
            return False
        return True

    assert runs(side) and not runs(side - 1)


def test_spec_that_never_fits_says_why(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, H, W]\nsymbols: {H: 8, W: 8}\n"
                    "layers:\n  - conv: {c: 4, k: 3, groups: 2}\n", encoding="utf-8")
    with pytest.raises(CnnCostError, match="no square input up to 16 is valid"):
        min_square_input(str(spec), limit=16)


def test_train_only_sides_do_not_limit_inference(tmp_path):
    """A side with a fixed 9x9 pool needs 9x9 at its input; the main path only a 3x3 window.
    Inference never runs the side (torch's eval), so the smallest input is 3; training: 9."""
    spec = tmp_path / "net.yaml"
    spec.write_text("name: net\ninput: [3, H, W]\nsymbols: {H: 32, W: 32}\nlayers:\n"
                    "  - {side: {body: [{avgpool: {k: 9}}, flatten, {linear: {out: 2}}]}, "
                    "name: aux}\n"
                    "  - conv: {c: 4, k: 3}\n", encoding="utf-8")
    assert min_square_input(str(spec)) == 3
    assert min_square_input(str(spec), train=True) == 9


def test_the_reports_bisection_agrees_with_the_definition_on_every_model():
    """min_input (doubling and bisection, in every report) assumes validity grows with the size;
    the ledger's search tries every side from 1. They agree on every bundled model."""
    import cnncost

    for model in cnncost.model_names():
        square = min_square(cnncost.build_graph(model))
        assert square is not None and square[1] == square[2] == min_square_input(model), model
