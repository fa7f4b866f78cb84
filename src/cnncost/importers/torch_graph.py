"""PyTorch module -> :class:`IRGraph` through ``torch.export`` (one node per aten op, with the
module path and class of each from ``nn_module_stack``; BatchNorm stays an op). ``torch.fx``
symbolic tracing is the fallback; when both fail the error names the module and both reasons.
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError
from .ir import IRGraph, word
from .torch_ops import ATEN, TorchWalker


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise CnnCostError("importing PyTorch modules needs torch: pip install "
                           "'cnncost[torch]'") from None
    return torch


def _export(module: Any, size: tuple, dynamic: bool) -> Any:
    torch = _torch()
    batch = 2 if dynamic else 1
    x = torch.zeros(batch, *size)
    shapes = None
    if dynamic:
        auto = torch.export.Dim.DYNAMIC  # export derives the sizes' constraints itself
        shapes = ({0: auto, 2: auto, 3: auto},) if len(size) == 3 else ({0: auto},)
    return torch.export.export(module, (x,), dynamic_shapes=shapes, strict=False)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def _trace(module: Any, size: tuple, dynamic: bool, where: str) -> Any:
    """torch.export's program, else (static shapes only) torch.fx's; both failing: one error."""
    torch = _torch()
    try:
        with torch.no_grad():
            return _export(module, size, dynamic)
    except Exception as exc:  # noqa: BLE001 - any tracing failure: report it by name
        reason = _first_line(exc)
    fx_reason = "not tried with --dynamic (it gives static shapes only)"
    if not dynamic:
        from .torch_fx import fx_program

        try:
            return fx_program(module, size)
        except Exception as exc:  # noqa: BLE001
            fx_reason = _first_line(exc)
    raise CnnCostError(f"torch.export could not trace {where} ({reason}), nor could torch.fx "
                       f"({fx_reason}); cnncost needs a module without data-dependent control "
                       "flow" + (" (try without --dynamic)" if dynamic else ""))


def torch_to_ir(module: Any, size: tuple, dynamic: bool, where: str
                ) -> tuple[IRGraph, list[str], dict[str, str]]:
    """(graph, module path per node, module class per path) of ``module`` at input ``size``."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise CnnCostError(f"{where} is not a torch.nn.Module")
    if len(size) not in (1, 3) or any(not isinstance(d, int) or d < 1 for d in size):
        raise CnnCostError(f"input must be (C, H, W) or (F,) positive sizes, got {size}")
    was_training = module.training
    module.eval()
    try:
        program = _trace(module, size, dynamic, where)
    finally:
        module.train(was_training)
    walker = TorchWalker(program, size, dynamic, where)
    ir = walker.run()
    return ir, walker.paths, walker.classes


__all__ = ["ATEN", "torch_to_ir", "word"]
