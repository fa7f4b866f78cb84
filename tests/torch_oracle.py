"""An independent oracle: count params and conv/linear MACs of a real torchvision model.

MACs are measured with forward hooks on every Conv2d and Linear from the tensors that actually
flow through the model (output elements x input channels per group x kernel area), so they share
nothing with cnncost's rules. Import only from tests that already skip without torch.
"""

from __future__ import annotations

from typing import Any


def torch_counts(model: Any, input_shape: tuple[int, int, int]) -> tuple[int, int]:
    """(learnable params, conv+linear MACs) of ``model`` for one sample of ``input_shape``."""
    import torch

    model.eval()
    macs = 0

    def conv_hook(mod: Any, inp: Any, out: Any) -> None:
        nonlocal macs
        kh, kw = mod.kernel_size
        macs += out.numel() // out.shape[0] * (mod.in_channels // mod.groups) * kh * kw

    def linear_hook(mod: Any, inp: Any, out: Any) -> None:
        nonlocal macs
        macs += out.numel() // out.shape[0] * mod.in_features

    handles = []
    for mod in model.modules():
        if isinstance(mod, torch.nn.Conv2d):
            handles.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, torch.nn.Linear):
            handles.append(mod.register_forward_hook(linear_hook))
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in handles:
        h.remove()
    params = sum(p.numel() for p in model.parameters())
    return params, macs


def weights_meta(models: Any, enum_name: str) -> dict[str, Any]:
    """torchvision's published metadata (``num_params``, ``_ops`` GFLOPS) of the first weights."""
    weights = getattr(models, enum_name)
    return next(iter(weights)).meta


def state_ptrs(model: Any) -> set[int]:
    """Storage pointers of a model's parameters and buffers."""
    return {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}


def torch_saved_bytes(model: Any, x: Any) -> int:
    """Bytes of distinct storages autograd saves in one training forward pass."""
    import torch

    skip = state_ptrs(model)
    seen: dict[int, int] = {}

    def pack(t: Any) -> Any:
        st = t.untyped_storage()
        if st.data_ptr() not in skip:
            seen.setdefault(st.data_ptr(), st.nbytes())
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(seen.values())
