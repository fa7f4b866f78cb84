"""What PyTorch really keeps: autograd's saved tensors and the live activation storages of a
forward pass, measured on the CPU (helpers of the memory tests; torch is imported lazily)."""

from __future__ import annotations

import weakref
from typing import Any


def _state_ptrs(model: Any) -> set[int]:
    return {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}


def torch_saved_bytes(model: Any, x: Any) -> int:
    """Bytes of distinct storages autograd saves in one training forward pass."""
    import torch

    skip = _state_ptrs(model)
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


def torch_inference_peak(model: Any, x: Any) -> int:
    """Peak bytes of live activation storages (input included) in a no_grad forward."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_leaves

    state = _state_ptrs(model)

    class Live(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.live = self.peak = x.untyped_storage().nbytes()
            self.held: set[int] = {x.untyped_storage().data_ptr()}

        def free(self, ptr: int, size: int) -> None:
            self.held.discard(ptr)
            self.live -= size

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in tree_leaves(out):
                if not isinstance(t, torch.Tensor):
                    continue
                st = t.untyped_storage()
                ptr, size = st.data_ptr(), st.nbytes()
                if ptr and ptr not in self.held and ptr not in state:
                    self.held.add(ptr)
                    self.live += size
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(st, self.free, ptr, size)
            return out

    model.eval()
    mode = Live()
    with torch.no_grad(), mode:
        out = model(x)
    del out
    return mode.peak
