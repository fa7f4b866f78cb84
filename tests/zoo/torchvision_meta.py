"""Helpers for the zoo oracle tests: torchvision models on the meta device, leaf-module shapes.

Import only from tests that already skip without torch (the ``torchvision_models`` fixture).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def meta_device() -> Iterator[None]:
    """Build and run models on torch's ``meta`` device (shapes only, no arithmetic, no memory).

    torchvision's ``RegNet`` computes its widths with tensors and ``.tolist()``, which a meta
    tensor cannot do, so ``BlockParams.from_init_params`` runs on the CPU inside the block.
    """
    import torch
    from torchvision.models import regnet

    original = regnet.BlockParams.__dict__["from_init_params"]

    def on_cpu(cls: Any, *args: Any, **kwargs: Any) -> Any:
        with torch.device("cpu"):
            return original.__func__(cls, *args, **kwargs)

    regnet.BlockParams.from_init_params = classmethod(on_cpu)
    try:
        with torch.device("meta"):
            yield
    finally:
        regnet.BlockParams.from_init_params = original


def leaf_output_shapes(model: Any, input_shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """Module path -> per-sample output shape of every leaf module that runs (eval mode)."""
    import torch

    shapes: dict[str, tuple[int, ...]] = {}
    handles = []
    for name, mod in model.named_modules():
        if name and not any(True for _ in mod.children()):
            handles.append(mod.register_forward_hook(
                lambda m, i, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in handles:
        h.remove()
    return shapes


def param_table(graph: Any, train: bool) -> dict[str, tuple[int, ...]]:
    """``layer.weight`` -> shape for every parameter of a cnncost graph."""
    return {f"{n.name}.{key}": tuple(shape)
            for n in graph.nodes[1:] if train or not n.train_only
            for key, shape in n.param_shapes.items()}


def buffer_names(graph: Any, train: bool = False) -> set[str]:
    return {f"{n.name}.{key}" for n in graph.nodes[1:] if train or not n.train_only
            for key in n.buffer_shapes}
