"""The ``torch.fx`` fallback: when ``torch.export`` refuses a module, ``symbolic_trace`` it, run
``ShapeProp`` for the shapes, and rewrite each node as the aten call ``torch.export`` would have
recorded, so the same handlers (``torch_aten``, ``torch_views``, ``torch_layout``) map it.

Leaf modules are read from their attributes (Conv2d → ``conv2d(x, weight, bias, stride, ...)``);
``torch.*`` / ``F.*`` functions, ``operator`` arithmetic and tensor methods by name. Anything
else is refused by the walker, naming the node and its module path. Shapes are static only.
"""

from __future__ import annotations

import operator
from typing import Any


class _Node:
    """An fx node rewritten as an aten-style call (what ``TorchWalker`` reads)."""

    def __init__(self, name: str, op: str, target: Any, args: tuple, kwargs: dict,
                 meta: dict):
        self.name, self.op, self.target = name, op, target
        self.args, self.kwargs, self.meta = args, kwargs, meta
        self.users: dict = {}


class _Aten:
    def __init__(self, name: str):
        self.text = f"aten.{name}.default"

    def __str__(self) -> str:
        return self.text


def _module_call(mod: Any, x: Any, p: Any) -> tuple[str, tuple] | None:
    """(aten name, args) for a leaf module; ``p(tensor)`` makes a weight placeholder."""
    import torch.nn as nn

    t = type(mod)
    inplace = "_" if getattr(mod, "inplace", False) else ""
    if t is nn.Conv2d and mod.padding_mode == "zeros":
        return "conv2d", (x, p(mod.weight), p(mod.bias), mod.stride, mod.padding, mod.dilation,
                          mod.groups)
    if t is nn.Linear:
        return "linear", (x, p(mod.weight), p(mod.bias))
    if isinstance(mod, nn.modules.batchnorm._BatchNorm):
        return "batch_norm", (x, p(mod.weight), p(mod.bias), None, None, False, 0.1, mod.eps)
    acts = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.SiLU: "silu", nn.Sigmoid: "sigmoid",
            nn.Tanh: "tanh", nn.Hardswish: "hardswish", nn.Hardsigmoid: "hardsigmoid",
            nn.Mish: "mish"}
    if t in acts:
        return acts[t] + inplace, (x,)
    simple = {nn.MaxPool2d: ("max_pool2d", lambda m: (m.kernel_size, m.stride, m.padding,
                                                      m.dilation, m.ceil_mode)),
              nn.AvgPool2d: ("avg_pool2d", lambda m: (m.kernel_size, m.stride, m.padding,
                                                      m.ceil_mode, m.count_include_pad,
                                                      m.divisor_override)),
              nn.AdaptiveAvgPool2d: ("adaptive_avg_pool2d", lambda m: (m.output_size,)),
              nn.Flatten: ("flatten", lambda m: (m.start_dim, m.end_dim)),
              nn.Dropout: ("dropout", lambda m: (m.p, False)),
              nn.GELU: ("gelu", lambda m: (m.approximate,)),
              nn.Identity: ("clone", lambda m: ())}
    if t in simple:
        name, extra = simple[t]
        return name, (x, *extra(mod))
    return None


_FUNCS = {operator.add: "add", operator.mul: "mul", operator.iadd: "add_",
          operator.getitem: None}
_NAMES = {"add", "mul", "cat", "flatten", "relu", "relu_", "sigmoid", "silu", "tanh", "gelu",
          "view", "reshape", "mean", "contiguous", "dropout", "softmax", "adaptive_avg_pool2d",
          "max_pool2d", "avg_pool2d", "chunk", "split", "hardswish", "hardsigmoid", "relu6",
          "permute", "layer_norm", "squeeze", "clone", "size"}


def _function_name(node: Any) -> str | None:
    if node.op == "call_method":
        return node.target if node.target in _NAMES else f"unsupported:{node.target}"
    if node.target in _FUNCS:
        return _FUNCS[node.target]
    name = getattr(node.target, "__name__", str(node.target))
    return name if name in _NAMES else f"unsupported:{name}"


class _Program:
    """Just what ``TorchWalker`` reads of an ExportedProgram."""

    def __init__(self, nodes: list, user: list[str]):
        self.graph = type("G", (), {"nodes": nodes})()
        self.graph_signature = type("S", (), {"user_inputs": user})()


def _record(gm: Any, x: Any) -> dict:
    """Every fx node's value on a real forward at the input size (ShapeProp, plus non-tensors)."""
    from torch.fx.passes.shape_prop import ShapeProp

    seen: dict = {}

    class Record(ShapeProp):
        def run_node(self, n: Any) -> Any:
            out = super().run_node(n)
            seen[n] = out
            return out

    Record(gm).propagate(x)
    return seen


def _stack(root: Any, path: str) -> dict:
    parts = path.split(".")
    out = {}
    for i in range(1, len(parts) + 1):
        fqn = ".".join(parts[:i])
        out[fqn] = (fqn, type(root.get_submodule(fqn)))
    return out


def fx_program(module: Any, size: tuple) -> _Program:
    """``module`` traced by ``torch.fx`` at input ``size``, as aten-style nodes (static shapes)."""
    import torch
    import torch.fx

    gm = torch.fx.symbolic_trace(module)
    with torch.no_grad():
        values = _record(gm, torch.zeros(1, *size))
    nodes: list[_Node] = []
    env: dict = {}

    def meta(v: Any, stack: dict) -> dict:
        val = torch.empty(tuple(v.shape), device="meta") if isinstance(v, torch.Tensor) else v
        return {"val": val, "nn_module_stack": stack}

    def weight(t: Any, name: str) -> Any:
        if t is None:
            return None
        nodes.append(_Node(f"p_{name}".replace(".", "_"), "placeholder", name, (), {},
                           meta(t, {})))
        return nodes[-1]

    def mapped(a: Any) -> Any:
        return torch.fx.node.map_arg(a, lambda n: env[n])

    for n in gm.graph.nodes:
        stack = dict(n.meta.get("nn_module_stack") or {})
        if n.op == "call_module":
            stack.update(_stack(module, n.target))
        if n.op in ("placeholder", "get_attr"):
            v = values.get(n) if n.op == "placeholder" else gm.get_parameter(n.target)
            new = _Node(n.name, "placeholder", n.target, (), {}, meta(v, {}))
        elif n.op == "output":
            new = _Node(n.name, "output", "output", (mapped(n.args[0]),), {}, {})
        else:
            new = _call(module, n, mapped, weight, meta(values.get(n), stack))
        env[n] = new
        nodes.append(new)
    for node in nodes:
        for a in torch.fx.node.map_aggregate((node.args, node.kwargs), lambda v: v):
            _link(a, node)
    user = [env[n].name for n in gm.graph.nodes if n.op == "placeholder"]
    return _Program(nodes, user)


def _link(a: Any, user: _Node) -> None:
    if isinstance(a, _Node):
        a.users[user] = None
    elif isinstance(a, (list, tuple)):
        for b in a:
            _link(b, user)


def _call(root: Any, n: Any, mapped: Any, weight: Any, meta: dict) -> _Node:
    args, kwargs = mapped(n.args), mapped(n.kwargs)
    if n.op == "call_module":
        mod = root.get_submodule(n.target)
        hit = _module_call(mod, args[0], lambda t: weight(t, f"{n.target}.{_attr(mod, t)}"))
        if hit is None:
            hit = (f"unsupported:{type(mod).__name__}", args)
        return _Node(n.name, "call_function", _Aten(hit[0]), hit[1], {}, meta)
    name = _function_name(n)
    if name is None:
        return _Node(n.name, "call_function", operator.getitem, args, kwargs, meta)
    if name in ("view", "reshape", "permute") and n.op == "call_method" and \
            not isinstance(args[1], (list, tuple)):
        args = (args[0], list(args[1:]))
    if name == "size":
        name = "sym_size"
    return _Node(n.name, "call_function", _Aten(name), args, kwargs, meta)


def _attr(mod: Any, t: Any) -> str:
    for name, p in mod.named_parameters(recurse=False):
        if p is t:
            return name
    return "tensor"
