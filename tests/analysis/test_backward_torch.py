"""Backward MACs against real torch modules, for every bundled torchvision model.

Two independent oracles:
- forward hooks on every Conv2d/Linear of the torchvision model (built on the meta device, so no
  memory or arithmetic is spent) record the tensors' shapes and whether the layer's input
  requires a gradient; from those the test computes the weight gradient (one MAC per weight per
  output position: ``weight.numel() * N * Ho * Wo``) and the input gradient (the transposed
  convolution: ``dy.numel() * (Cin/groups) * kh * kw``, only when the input requires grad);
- ``torch.utils.flop_counter.FlopCounterMode`` over a real forward + backward, which must equal
  2 x (forward + backward) MACs on networks without grouped convolutions. On grouped ones it
  multiplies the weight gradient by the group count (torch 2.14); that is checked here as well,
  with the size of the excess computed from the modules.
"""

from __future__ import annotations

import pytest

import cnncost
from cnncost.spec.zoo import model_names

torch = pytest.importorskip("torch")
tv_models = pytest.importorskip("torchvision.models")

TORCHVISION = sorted(n for n in model_names() if hasattr(tv_models, n))
NO_GROUPS = ["alexnet", "densenet121", "googlenet", "resnet18", "resnet50", "squeezenet1_0",
             "vgg16", "wide_resnet50_2"]


def _build(name: str):
    from zoo.torchvision_meta import meta_device  # RegNet computes its widths on the CPU

    builder = getattr(tv_models, name)
    with meta_device():
        if name in ("googlenet", "inception_v3"):  # the auxiliary heads are train-only sides
            model = builder(weights=None, aux_logits=False, init_weights=False)
        else:
            model = builder(weights=None)
    return model.train()


def _hook_counts(model, hw: tuple[int, int] = (224, 224)) -> dict[str, dict[str, int]]:
    """Per Conv2d/Linear module path: forward, weight-grad and input-grad MACs (batch 1)."""
    counts: dict[str, dict[str, int]] = {}

    def hook(name):
        def run(mod, inp, out):
            x = inp[0]
            if isinstance(mod, torch.nn.Conv2d):
                kh, kw = mod.kernel_size
                positions = out.shape[0] * out.shape[2] * out.shape[3]
                per_out = mod.weight.shape[1] * kh * kw  # Cin/groups * kh * kw
            else:  # over the last axis: every other axis is a position (ConvNeXt's H x W)
                positions = out.numel() // out.shape[-1]
                per_out = mod.weight.shape[1]
            counts[name] = {
                "forward": out.numel() * per_out,
                "weight_grad": mod.weight.numel() * positions,
                "input_grad": out.numel() * per_out if x.requires_grad else 0,
                "groups": getattr(mod, "groups", 1),
            }
        return run

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.device("meta"):
        model(torch.empty(1, 3, *hw)).sum().backward()
    for h in handles:
        h.remove()
    return counts


@pytest.mark.parametrize("name", TORCHVISION)
def test_backward_macs_per_layer_equal_torch_hooks(name):
    report = cnncost.analyze(name)
    counts = _hook_counts(_build(name), report.input[1:])
    ours = {r.name: r.backward_macs for r in report.rows if r.type in ("conv", "linear")}
    expected = {k: v["weight_grad"] + v["input_grad"] for k, v in counts.items()}
    assert ours == expected
    assert report.totals.backward_macs == sum(expected.values())


def test_first_conv_has_no_input_gradient():
    counts = _hook_counts(_build("resnet50"))
    assert counts["conv1"]["input_grad"] == 0
    assert all(v["input_grad"] > 0 for k, v in counts.items() if k != "conv1")
    # GUIDE §6: 3x forward minus the stem's input gradient, in FLOP: 24,299,077,632
    conv1 = 64 * 112 * 112 * 3 * 7 * 7
    assert 2 * (3 * 4_089_184_256 - conv1) == 24_299_077_632


def _flop_counter(model, hw: tuple[int, int] = (224, 224)) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.device("meta"), counter:
        model(torch.empty(1, 3, *hw)).sum().backward()
    return counter.get_total_flops()


@pytest.mark.parametrize("name", NO_GROUPS)
def test_training_flops_equal_flop_counter_mode(name):
    r = cnncost.analyze(name)
    t = r.totals
    assert 2 * (t.macs + t.backward_macs) == _flop_counter(_build(name), r.input[1:])


def test_resnet50_training_flops_published_anchor():
    t = cnncost.analyze("resnet50").totals
    assert 2 * (t.macs + t.backward_macs) == 24_299_077_632


def test_flop_counter_mode_multiplies_grouped_weight_gradients_by_groups():
    """MobileNetV2: FlopCounterMode's excess is exactly 2 x sum over grouped convs of
    weight-grad x (groups - 1) (ledger entry flopcounter-grouped-conv)."""
    model = _build("mobilenet_v2")
    counts = _hook_counts(model)
    excess = 2 * sum(v["weight_grad"] * (v["groups"] - 1) for v in counts.values())
    t = cnncost.analyze("mobilenet_v2").totals
    ours = 2 * (t.macs + t.backward_macs)
    theirs = _flop_counter(_build("mobilenet_v2"))
    assert theirs == ours + excess
    assert theirs > 6 * ours  # 12.28 GFLOP reported for a 0.3 GMAC network
    # a depthwise 3x3 layer: FlopCounterMode reads (2 + groups) x its forward MACs, not 3x
    dw = counts["features.2.conv.1.0"]
    assert dw["groups"] == 96 and dw["weight_grad"] == dw["forward"]
