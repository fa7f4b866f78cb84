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


def builder_kwargs(name: str, train: bool = True) -> dict[str, Any]:
    """torchvision builder arguments without weights: GoogLeNet and Inception v3 train with their
    auxiliary heads, which cnncost's training plan includes (the specs' train-only sides)."""
    kwargs: dict[str, Any] = {"weights": None}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(aux_logits=train, init_weights=False)
    return kwargs


def _blocks(sizes: Any, block: int) -> int:
    return sum(-(-n // block) * block for n in sizes)


def torch_saved_bytes(model: Any, x: Any, block: int = 1) -> int:
    """Bytes of distinct storages autograd saves in one training forward pass, each rounded up
    to ``block`` bytes (512: the CUDA caching allocator's smallest block, as cnncost counts)."""
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
    return _blocks(seen.values(), block)


def fake_cuda_saved_bytes(models: Any, name: str, shape: tuple, block: int = 512) -> int:
    """torch_saved_bytes of torchvision's model on CUDA, without a GPU: under FakeTensorMode
    tensors on device "cuda" carry shapes, dtypes and storages only, and dispatch takes the CUDA
    paths (the fused dropout's bool mask, cuDNN batch norm's saved statistics). Storages are
    told apart by their StorageImpl (fake ones have no data pointers)."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        with torch.device("cuda"):
            model = getattr(models, name)(**builder_kwargs(name)).train()
            x = torch.randn(*shape)
        skip = {t.untyped_storage()._cdata for t in (*model.parameters(), *model.buffers())}
        seen: dict[int, int] = {}

        def pack(t: Any) -> Any:
            st = t.untyped_storage()
            if st._cdata not in skip:
                seen.setdefault(st._cdata, st.nbytes())
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model(x)
    return _blocks(seen.values(), block)


def leaf_output_shapes(model: Any, input_shape: tuple[int, int, int]) -> dict[str, list[tuple]]:
    """Per-sample output shape of every leaf module each time it runs, keyed by module path
    (run wherever the model's parameters live: pass a model built on the ``meta`` device to
    get shapes without arithmetic)."""
    import torch

    model.eval()
    shapes: dict[str, list[tuple]] = {}
    handles = []
    for name, mod in model.named_modules():
        if name and not any(True for _ in mod.children()):
            handles.append(mod.register_forward_hook(
                lambda m, i, o, name=name: shapes.setdefault(name, []).append(tuple(o.shape[1:]))))
    device = next(model.parameters()).device
    with torch.no_grad():
        model(torch.zeros(1, *input_shape, device=device))
    for h in handles:
        h.remove()
    return shapes
