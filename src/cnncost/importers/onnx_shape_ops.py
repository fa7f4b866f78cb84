"""ONNX handlers for shapes and views: constants, Shape/Gather/Slice arithmetic, Reshape."""

from __future__ import annotations

from typing import Any

from ..dims import as_int
from .onnx_graph import Walker, handles
from .onnx_read import ONode, Tensor
from .values import Const, Data, Shuffle, from_array, product, same


@handles("Constant")
def constant(w: Walker, n: ONode) -> None:
    if isinstance(n.attrs.get("value"), Tensor):
        t = n.attrs["value"]
        w.set(0, from_array(t.dims, t.value))
        return
    for key in ("value_int", "value_float"):
        if key in n.attrs:
            w.set(0, Const((), [n.attrs[key]]))
            return
    for key in ("value_ints", "value_floats"):
        if key in n.attrs:
            w.set(0, Const((len(n.attrs[key]),), list(n.attrs[key])))
            return
    raise w.fail("Constant without a value, value_int(s) or value_float(s) is not supported")


@handles("Shape")
def shape(w: Walker, n: ONode) -> None:
    value = w.get(n.inputs[0])
    dims = list(w.full(value.idx)) if isinstance(value, Data) else list(value.dims)
    start, end = w.attr("start", 0), w.attr("end")
    dims = dims[start:end]
    w.set(0, Const((len(dims),), dims))


def _index(value: Const, i: Any, w: Walker) -> Any:
    if value.values is None or not isinstance(i, int) or not -len(value.values) <= i < \
            len(value.values):
        raise w.fail(f"cannot index a constant of shape {list(value.dims)} with {i}")
    return value.values[i]


@handles("Gather")
def gather(w: Walker, n: ONode) -> None:
    data, idx = w.const(0), w.const(1)
    if int(w.attr("axis", 0)) != 0 or len(data.dims) > 1:
        raise w.fail("Gather is supported on shape values only")
    picked = [_index(data, i, w) for i in idx.values]
    w.set(0, Const(tuple(idx.dims), picked))


@handles("Unsqueeze", "Squeeze")
def squeeze(w: Walker, n: ONode) -> None:
    value = w.get(n.inputs[0])
    if isinstance(value, Const):
        count = len(value.values) if value.values is not None else product(list(value.dims))
        w.set(0, Const((count,) if n.op == "Unsqueeze" or count != 1 else (), value.values))
        return
    per = w.shape(value.idx)
    if n.op == "Squeeze" and len(per) == 3 and per[1] == 1 and per[2] == 1:
        w.emit("flatten", {}, [value.idx])
        return
    raise w.fail(f"{n.op} of an activation of shape {list(per)} is not supported")


def _slice_channels(w: Walker, x: int) -> None:
    """A Slice of an activation along channels into one of equal parts: ``chunk``."""
    starts, ends = w.const(1).values, w.const(2).values
    axes = w.const(3).values if w.const(3) is not None else [0]
    steps = w.const(4).values if w.const(4) is not None else [1]
    c = w.shape(x)[0]
    if len(axes) != 1 or axes[0] % (len(w.shape(x)) + 1) != 1 or steps[0] != 1 or \
            not isinstance(c, int):
        raise w.fail("Slice of an activation is supported along channels only")
    lo, hi = max(0, min(starts[0], c)), max(0, min(ends[0], c))
    size = hi - lo
    if size <= 0 or c % size or lo % size:
        raise w.fail(f"Slice of channels {lo}:{hi} of {c} is not one of equal parts")
    w.emit("chunk", {"parts": c // size, "index": lo // size}, [x])


@handles("Slice")
def slice_(w: Walker, n: ONode) -> None:
    value = w.get(n.inputs[0])
    if isinstance(value, Data):
        _slice_channels(w, value.idx)
        return
    data = w.const(0)
    starts, ends = w.const(1).values, w.const(2).values
    axes = w.const(3).values if w.const(3) is not None else [0]
    steps = w.const(4).values if w.const(4) is not None else [1]
    if list(axes) not in ([0], [-1]) or len(data.dims) != 1:
        raise w.fail("Slice is supported on shape values only")
    big = 1 << 62
    lo, hi, st = (max(min(v, big), -big) for v in (starts[0], ends[0], steps[0]))
    picked = data.values[lo:hi:st]
    w.set(0, Const((len(picked),), picked))


def _target(w: Walker, x: int, raw: list) -> tuple:
    full = w.full(x)
    out = [full[i] if v == 0 and not w.attr("allowzero", 0) else v for i, v in enumerate(raw)]
    if sum(1 for v in out if v == -1) > 1:
        raise w.fail(f"Reshape target {raw} has several -1")
    if -1 in out:
        known = product([v for v in out if v != -1])
        out[out.index(-1)] = as_int(_cancel(product(list(full)), known))
    return tuple(out)


def _cancel(total: Any, known: Any) -> Any:
    if isinstance(total, int) and isinstance(known, int):
        return total // known
    import sympy

    return sympy.cancel(total / known)


@handles("Reshape")
def reshape(w: Walker, n: ONode) -> None:
    value = w.get(n.inputs[0])
    if isinstance(value, Shuffle) and value.stage == 2:
        target = _target(w, value.idx, list(w.const(1).values))
        if len(target) == 4:
            w.emit("channel_shuffle", {"groups": value.groups}, [value.idx])
            return
    x = w.data(0)
    target = _target(w, x, list(w.const(1).values))
    per = w.shape(x)
    if len(target) == 5 and len(per) == 3 and isinstance(target[1], int) and \
            same(target[1] * target[2], per[0]):
        w.set(0, Shuffle(x, target[1]))
        return
    full, per = w.full(x), w.shape(x)
    if len(target) == len(full) and all(same(a, b) for a, b in zip(target, full)):
        w.alias(0)
        return
    if len(target) == 2 and same(target[0], full[0]) and same(target[1], product(list(per))):
        if len(per) == 1:
            w.alias(0)
        else:
            w.emit("flatten", {}, [x])
        return
    raise w.fail(f"Reshape of N×{'×'.join(map(str, per))} to {list(target)} is not supported "
                 "(only flattening to N×features)")


@handles("Split")
def split(w: Walker, n: ONode) -> None:
    x = w.data(0)
    per = w.shape(x)
    if int(w.attr("axis", 0)) % (len(per) + 1) != 1:
        raise w.fail("Split along an axis other than channels is not supported")
    parts = len(n.outputs)
    sizes = w.attr("split")
    if sizes is None and len(n.inputs) > 1 and n.inputs[1]:
        sizes = w.const(1).values
    if sizes is not None and len(set(sizes)) != 1:
        raise w.fail(f"Split into unequal parts {list(sizes)} is not supported")
    for i in range(parts):
        idx = w.ir.add("chunk", {"parts": parts, "index": i}, [x], "", f"{n.name}:{i}")
        w.set(i, Data(idx))


@handles("Transpose")
def transpose(w: Walker, n: ONode) -> None:
    value = w.get(n.inputs[0])
    if isinstance(value, Shuffle) and value.stage == 1 and \
            list(w.attr("perm", [])) == [0, 2, 1, 3, 4]:
        w.set(0, Shuffle(value.idx, value.groups, 2))
        return
    if not isinstance(value, Data) or len(w.attr("perm", [])) != len(w.shape(value.idx)) + 1:
        raise w.fail("Transpose is supported inside a channel shuffle (Reshape, Transpose, "
                     "Reshape) and as a permute of an activation's axes (batch axis first)")
    w.emit("permute", {"dims": [int(p) for p in w.attr("perm")]}, [value.idx])
