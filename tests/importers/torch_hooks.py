"""Independent oracle for the importer tests: a torch model's params, conv+linear MACs measured
with forward hooks, leaf-module output shapes by module path, and BatchNorm channel counts."""

from __future__ import annotations

from typing import Any


def hook_counts(model: Any, size: tuple[int, ...]) -> dict[str, Any]:
    """params, macs, {module path: per-sample output shape} at ``size``, and bn_channels: the
    params an exporter's BatchNorm folding removes (BNs that directly consume a conv's output:
    C each after a bias-free conv, 2C after a biased one)."""
    import torch

    model.eval()
    macs = 0
    folded = 0
    shapes: dict[str, tuple] = {}
    conv_outputs: dict[int, Any] = {}  # kept alive, so that no id is reused

    def hook(name: str) -> Any:
        def fn(mod: Any, inp: Any, out: Any) -> None:
            nonlocal macs, folded
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm) and \
                    id(inp[0]) in conv_outputs:
                # an exporter folds it into that conv: its 2C params go, and C conv biases
                # come unless the conv had its own already
                folded += mod.num_features * (2 if conv_outputs[id(inp[0])][1] else 1)
            if isinstance(mod, torch.nn.Conv2d):
                conv_outputs[id(out)] = (out, mod.bias is not None)
                kh, kw = mod.kernel_size
                macs += out[0].numel() * (mod.in_channels // mod.groups) * kh * kw
            elif isinstance(mod, torch.nn.Linear):
                macs += out[0].numel() * mod.in_features
            if isinstance(out, torch.Tensor) and not list(mod.children()):
                shapes.setdefault(name, tuple(out.shape[1:]))
        return fn

    bn_type = torch.nn.modules.batchnorm._BatchNorm  # timm's BatchNormAct2d has children
    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()
               if n and (not list(m.children()) or isinstance(m, bn_type))]
    with torch.no_grad():
        model(torch.zeros(1, *size))
    for h in handles:
        h.remove()
    return {"params": sum(p.numel() for p in model.parameters()), "macs": macs,
            "bn_channels": folded, "shapes": shapes}


def export_onnx(model: Any, path: Any, size: tuple[int, ...], dynamic: bool) -> str:
    """torch.onnx.export (TorchScript exporter) of ``model`` at ``size``, optionally N/H/W dynamic."""
    import torch

    axes = {"x": {0: "N", 2: "H", 3: "W"}} if dynamic else None
    torch.onnx.export(model.eval(), (torch.zeros(1, *size),), str(path), dynamo=False,
                      input_names=["x"], dynamic_axes=axes, opset_version=17)
    return str(path)
