"""aten views, merges and bookkeeping ops for the ``torch.export`` importer."""

from __future__ import annotations

import operator
from typing import Any

from .torch_ops import ATEN, TorchWalker, aten
from .values import Const, Data, Shuffle, product, same


def _flatten_or_same(w: TorchWalker, x: int, target: list) -> Data:
    per = w.shape(x)
    rest = [d for d in target[1:]]
    if len(rest) == 1 and (rest[0] == -1 or same(rest[0], product(list(per)))):
        return Data(x) if len(per) == 1 else w.emit("flatten", {}, [x])
    if len(rest) == len(per) and all(a == -1 or same(a, b) for a, b in zip(rest, per)):
        return Data(x)
    raise w.fail(f"view of {list(per)} as {target} is not supported (only flattening)")


@aten("flatten")
def flatten(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    if int(w.arg(1, "start_dim", 0)) != 1 or int(w.arg(2, "end_dim", -1)) != -1:
        raise w.fail("flatten is supported from dim 1 to the end only")
    return Data(x) if len(w.shape(x)) == 1 else w.emit("flatten", {}, [x])


@aten("view", "reshape", "_unsafe_view")
def view(w: TorchWalker, n: Any) -> Any:
    value = w.value(w.arg(0, "self"))
    target = [w.value(v) for v in w.arg(1, "size")]
    target = [t if isinstance(t, int) else -1 for t in target]
    if isinstance(value, Shuffle) and value.stage == 2 and len(target) == 4:
        return w.emit("channel_shuffle", {"groups": value.groups}, [value.idx])
    x = w.data(0)
    per = w.shape(x)
    if len(target) == 5 and len(per) == 3 and target[1] * target[2] == per[0]:
        return Shuffle(x, target[1])
    return _flatten_or_same(w, x, target)


@aten("transpose")
def transpose(w: TorchWalker, n: Any) -> Any:
    value = w.value(w.arg(0, "self"))
    dims = sorted((int(w.arg(1, "dim0")), int(w.arg(2, "dim1"))))
    if isinstance(value, Shuffle) and value.stage == 1 and dims == [1, 2]:
        return Shuffle(value.idx, value.groups, 2)
    raise w.fail("transpose is supported only inside a channel shuffle")


@aten("squeeze")
def squeeze(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    per = w.shape(x)
    if len(per) == 3 and per[1] == 1 and per[2] == 1:
        return w.emit("flatten", {}, [x])
    return Data(x)


def _merge(w: TorchWalker, n: Any, op: str) -> Any:
    a, b = w.arg(0, "self"), w.arg(1, "other")
    if w.is_data(a) and w.is_data(b):
        inplace = str(n.target).split(".")[1].endswith("_")
        return w.emit(op, {"inplace": inplace} if inplace else {},
                      [w.value(a).idx, w.value(b).idx])
    if op == "mul":
        from .torch_layout import layer_scale

        const, x = (w.value(a), w.value(b)) if w.is_data(b) else (w.value(b), w.value(a))
        if isinstance(const, Const) and isinstance(x, Data):
            out = layer_scale(w, const, x.idx)
            if out is not None:
                return out
    raise w.fail(f"{op} of an activation and a constant is not supported")


@aten("add", "add_")
def add(w: TorchWalker, n: Any) -> Any:
    return _merge(w, n, "add")


@aten("mul", "mul_")
def mul(w: TorchWalker, n: Any) -> Any:
    return _merge(w, n, "mul")


@aten("cat", "concat")
def cat(w: TorchWalker, n: Any) -> Data:
    xs = [w.value(v) for v in w.arg(0, "tensors")]
    if not all(isinstance(v, Data) for v in xs):
        raise w.fail("cat of constants is not supported")
    if int(w.arg(1, "dim", 0)) % (len(w.shape(xs[0].idx)) + 1) != 1:
        raise w.fail("cat along an axis other than channels is not supported")
    return w.emit("concat", {}, [v.idx for v in xs])


@aten("dropout", "dropout_", "alpha_dropout", "feature_dropout")
def dropout(w: TorchWalker, n: Any) -> Data:
    return w.emit("dropout", {"p": float(w.arg(1, "p", 0.5))}, [w.data(0)])


@aten("softmax", "_softmax", "log_softmax", "_log_softmax")
def softmax(w: TorchWalker, n: Any) -> Data:
    x = w.data(0)
    if int(w.arg(1, "dim", -1)) % (len(w.shape(x)) + 1) != 1:
        raise w.fail("softmax over an axis other than channels / features is not supported")
    return w.emit("softmax", {}, [x])


@aten("split", "chunk", "split_with_sizes")
def split(w: TorchWalker, n: Any) -> list:
    x = w.data(0)
    c = w.shape(x)[0]
    how = w.arg(1, "split_size")
    name = str(n.target).split(".")[1]
    if int(w.arg(2, "dim", 0)) != 1:
        raise w.fail(f"{name} along an axis other than channels is not supported")
    parts = int(how) if name == "chunk" else (len(how) if isinstance(how, (list, tuple))
                                               else -(-c // int(how)))
    if isinstance(how, (list, tuple)) and len(set(how)) != 1:
        raise w.fail(f"split into unequal parts {list(how)} is not supported")
    return [Lazy(x, parts, i) for i in range(parts)]


class Lazy:
    """One part of a channel split, emitted as ``chunk`` when a getitem takes it."""

    def __init__(self, x: int, parts: int, index: int):
        self.x, self.parts, self.index = x, parts, index


def getitem(w: TorchWalker, n: Any) -> Any:
    seq, i = w.value(n.args[0]), n.args[1]
    item = seq[i]
    if isinstance(item, Lazy):
        return w.emit("chunk", {"parts": item.parts, "index": item.index}, [item.x])
    return item


ATEN["getitem"] = getitem
_ = operator


@aten("clone", "contiguous", "alias", "detach", "_to_copy", "to", "lift_fresh_copy", "dropout")
def passthrough(w: TorchWalker, n: Any) -> Any:
    return w.value(n.args[0])


@aten("sym_size", "_assert_scalar", "sym_constrain_range_for_size", "_assert_tensor_metadata",
      "sym_constrain_range", "_assert_async")
def ignore(w: TorchWalker, n: Any) -> Any:
    val = n.meta.get("val")
    return val if val is not None and not hasattr(val, "shape") else None
