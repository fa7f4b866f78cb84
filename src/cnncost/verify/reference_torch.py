"""Agreement with PyTorch: torchvision's model of the same name, the same weights, the same logits.

The spec's layer paths are torchvision's module paths, so ``<node name>.<tensor name>`` is a
``state_dict`` key (``layer1.0.conv1.weight``, ``features.0.running_var``). Every tensor of the
torch model must map to a spec tensor of the same shape and vice versa; the torch weights (with
BatchNorm statistics and affine terms randomised first, so inference BN is not the identity) are
then loaded into the numpy reference and both networks run the same float64 input in float64, so a
difference in the logits is a difference in wiring, not in rounding.

Mappings that need care, documented here once:

* GoogLeNet / Inception v3 ``transform_input`` re-normalises ImageNet inputs inside ``forward``;
  it is switched off (as torchvision does for models built without pretrained weights) because
  specs describe the network from its first conv.
* Auxiliary classifiers exist in torch only with ``aux_logits=True``: it is passed when the spec
  has train-only layers, so their tensors are compared too (they do not affect eval logits).
* ``--set classes=K`` becomes ``num_classes=K``; other spec params have no torchvision equivalent.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from ..graph import Graph
from ..errors import CnnCostError
from .reference import Progress, Verification, random_input, run

RTOL, ATOL = 1e-3, 1e-4


def torch_model(graph: Graph, seed: int) -> Any:
    """torchvision's model named like the spec with random weights (conv/linear He-uniform, BN
    statistics and affine terms randomised), eval mode, float64."""
    try:
        import torch
        import torchvision
    except ImportError:
        raise CnnCostError("--torch needs torch and torchvision: pip install 'cnncost[torch]'") \
            from None
    name = graph.spec.name
    if name not in torchvision.models.list_models(module=torchvision.models):
        raise CnnCostError(f"--torch: torchvision has no classification model named {name!r}")
    builder = torchvision.models.get_model_builder(name)
    params = inspect.signature(builder).parameters
    kwargs: dict[str, Any] = {"weights": None}
    if "classes" in graph.env:
        kwargs["num_classes"] = int(graph.env["classes"])
    if name in ("googlenet", "inception_v3"):  # both accept these through **kwargs
        kwargs["aux_logits"] = any(n.train_only for n in graph.nodes)
        kwargs["init_weights"] = True
        kwargs["transform_input"] = False
    elif "kwargs" not in params and "num_classes" not in params:
        kwargs.pop("num_classes", None)
    torch.manual_seed(seed)
    model = _fast_build(builder, kwargs) or builder(**kwargs).double()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                if mod.running_mean is None:
                    raise CnnCostError("--torch: a BatchNorm without running statistics")
                mod.running_mean.uniform_(-0.1, 0.1, generator=gen)
                mod.running_var.uniform_(0.5, 1.5, generator=gen)
                if mod.affine:
                    mod.weight.uniform_(0.5, 1.5, generator=gen)
                    mod.bias.uniform_(-0.1, 0.1, generator=gen)
            elif isinstance(mod, torch.nn.LayerNorm) and mod.weight is not None:
                mod.weight.uniform_(0.5, 1.5, generator=gen)
                mod.bias.uniform_(-0.1, 0.1, generator=gen)
            elif isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
                # He-uniform (fan-in) keeps the signal alive through 100+ layers; torch's default
                # (gain sqrt(1/3)) shrinks it ~2.4x per layer until the logits are just the last
                # bias and any wiring passes allclose
                bound = math.sqrt(6.0 / mod.weight[0].numel())
                mod.weight.uniform_(-bound, bound, generator=gen)
                if mod.bias is not None:
                    mod.bias.uniform_(-0.1, 0.1, generator=gen)
            # ConvNeXt starts its layer scale at 1e-6, which would hide every residual branch
            scale = getattr(mod, "layer_scale", None)
            if isinstance(scale, torch.nn.Parameter):
                scale.uniform_(0.5, 1.5, generator=gen)
    return model.eval()


def _fast_build(builder: Any, kwargs: dict[str, Any]) -> Any:
    """Build on the meta device and allocate float64 storage without torchvision's init (whose
    normal draws take seconds for 100M-parameter nets): conv, linear and BN tensors are all drawn
    by :func:`torch_model`; any other module holding tensors runs its ``reset_parameters``.
    None when some module cannot initialise itself."""
    import torch

    try:
        with torch.device("meta"):
            model = builder(**kwargs)
    except NotImplementedError:  # a builder that reads tensor values (RegNet's widths)
        return None
    model = model.to(torch.float64).to_empty(device="cpu")
    for mod in model.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            if mod.num_batches_tracked is not None:
                mod.num_batches_tracked.zero_()
            continue
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            continue
        own = [name for name, _ in (*mod.named_parameters(recurse=False),
                                    *mod.named_buffers(recurse=False))]
        if own in ([], ["layer_scale"]):  # a layer scale is drawn by torch_model
            continue
        if not hasattr(mod, "reset_parameters"):
            return None
        mod.reset_parameters()
    return model


def compare_shapes(graph: Graph, state: dict[str, Any]) -> list[str]:
    """Differences between the spec's tensors and the torch ``state_dict`` (empty when equal)."""
    spec: dict[str, tuple] = {}
    for node in graph.nodes[1:]:
        for key, shape in {**node.param_shapes, **node.buffer_shapes}.items():
            spec[node.state_key(key)] = tuple(int(d) for d in shape)
    theirs = {k: tuple(v.shape) for k, v in state.items() if not k.endswith("num_batches_tracked")}
    problems = []
    for key in sorted(spec.keys() - theirs.keys()):
        problems.append(f"{key}: in the spec {spec[key]}, not in torch")
    for key in sorted(theirs.keys() - spec.keys()):
        problems.append(f"{key}: in torch {theirs[key]}, not in the spec")
    for key in sorted(spec.keys() & theirs.keys()):
        if spec[key] != theirs[key]:
            problems.append(f"{key}: spec {spec[key]} vs torch {theirs[key]}")
    return problems


def verify_torch(graph: Graph, batch: int = 1, seed: int = 0, train: bool = False,
                 progress: Progress | None = None) -> Verification:
    """The reference run on torchvision's weights, plus the parameter-shape and logit checks."""
    import torch

    model = torch_model(graph, seed)
    state = model.state_dict()
    problems = compare_shapes(graph, state)
    weights: dict[int, dict[str, np.ndarray]] = {}
    for node in graph.nodes[1:]:
        tensors = {}
        for key, shape in {**node.param_shapes, **node.buffer_shapes}.items():
            t = state.get(node.state_key(key))
            if t is not None and tuple(t.shape) == tuple(shape):
                tensors[key] = t.detach().numpy()  # shares memory; nothing writes to it
        weights[node.index] = tensors
    x = random_input(graph, batch, seed, np.float64)
    result = run(graph, weights, x, train, progress)
    info: dict[str, Any] = {"model": f"torchvision.models.{graph.spec.name}",
                            "tensors": sum(1 for k in state if not k.endswith("num_batches_tracked")),
                            "shape_mismatches": problems, "rtol": RTOL, "atol": ATOL,
                            "max_abs_diff": None, "max_abs_logit": None, "logit_std": None,
                            "logits_ok": False}
    if not problems and result.output is not None:
        with torch.no_grad():
            ref = model(torch.from_numpy(x))
        ref = getattr(ref, "logits", ref).numpy()
        if ref.shape == result.output.shape:
            info["max_abs_diff"] = float(np.max(np.abs(ref - result.output)))
            info["max_abs_logit"] = float(np.max(np.abs(ref)))
            info["logit_std"] = float(np.std(ref))  # the signal the tolerance is measured against
            info["logits_ok"] = bool(np.allclose(result.output, ref, rtol=RTOL, atol=ATOL))
        else:
            problems.append(f"logits: numpy {result.output.shape} vs torch {ref.shape}")
    info["ok"] = not problems and info["logits_ok"]
    result.extra["torch"] = info
    return result
