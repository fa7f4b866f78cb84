"""The op interface and registry. Each op keeps its shape rule, parameters, costs and numpy
forward pass together in one class, so the analysis and the reference pass cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, ClassVar, NamedTuple

from ..dims import Permuted, Shape, as_int, is_symbolic, layout_name, prod
from ..errors import CnnCostError, suggest
from ..expr import evaluate

REQUIRED = object()


class Gemm(NamedTuple):
    """An op seen as ``groups`` matrix products of M (per sample) x N x K (implicit GEMM);
    ``winograd``: a 3x3 stride-1 convolution, which cuDNN may run with Winograd transforms."""

    groups: Any
    m: Any
    n: Any
    k: Any
    winograd: bool = False

OPS: dict[str, Op] = {}


class ReadOnly(dict):
    """A dict that refuses writes: an op's evaluated arguments and tensor shapes, which the
    rules' memo, every node made from it and every copy of such a node share."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a node's arguments and shapes are read-only; copy them with dict()")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    update = pop = popitem = setdefault = clear = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # pickled and deep-copied as its items
        return (ReadOnly, (dict(self),))


@dataclass(frozen=True, slots=True)
class Applied:
    """An op's rules evaluated on one layer's arguments and input shapes (counts per sample)."""

    args: dict[str, Any]
    shape: Shape
    param_shapes: dict[str, tuple]
    buffer_shapes: dict[str, tuple]
    macs: Any
    other_ops: Any
    allocates: bool
    params: Any = 0      # learnable elements: the sum over ``param_shapes``
    buffers: Any = 0     # non-learnable elements: the sum over ``buffer_shapes``
    elements: Any = 0    # output elements
    #: backward (MACs, other ops) by the input-gradient flags they were asked for
    backward: dict[tuple[bool, ...], tuple[Any, Any]] = field(default_factory=dict, repr=False,
                                                             compare=False)

    def backward_counts(self, op: Op, ins: list[Shape], grads: tuple[bool, ...]) -> tuple[Any, Any]:
        """(backward MACs, backward other ops) of this application when ``grads`` flags which
        inputs need a gradient; asked once per flags (the record is memoised with its rules)."""
        hit = self.backward.get(grads)
        if hit is None:
            hit = self.backward[grads] = (op.backward_macs(self.args, ins, self.shape, grads),
                                          op.backward_other_ops(self.args, ins, self.shape, grads))
        return hit


@dataclass(frozen=True, slots=True)
class Saved:
    """One tensor autograd keeps for an op's backward pass.

    ``of`` says which: ``"input"`` (the first input's storage), ``"inputs"`` (each distinct input
    storage), ``"output"`` (the output's storage) or ``"new"`` (a tensor of its own, ``name``d,
    of ``elements`` per sample × ``itemsize`` bytes, None meaning the activation dtype, plus
    ``fixed`` batch-independent bytes). ``clone_in_place``: run in place, the op keeps a clone of
    its input instead. ``autocast``: under AMP, when the input is the fp32 network input, the
    16-bit copy autocast makes is what is kept.
    """

    of: str
    name: str = ""
    elements: Any = 0
    itemsize: int | None = None
    fixed: int = 0
    clone_in_place: bool = False
    autocast: bool = False


#: the rule methods a memo key must name (a rule patched in a test is never served stale)
RULE_METHODS = ("prepare", "shape", "param_shapes", "buffer_shapes", "macs", "other_ops",
                "allocates", "backward_macs", "backward_other_ops")
_rules = attrgetter(*RULE_METHODS)  # an op class -> its rule functions, in one C call
_MEMO: dict[tuple, Applied] = {}


def _where(value: Any, key: str, loc: Any) -> Any:
    """Where a spec argument was written (its key's mark), else the layer's."""
    return getattr(value, "key_locs", {}).get(key, loc)


def _elements(shapes: dict[str, tuple]) -> Any:
    """The elements of several tensors, by their shapes."""
    return sum((prod(s) for s in shapes.values()), 0)


def register(cls: type[Op]) -> type[Op]:
    """Class decorator: add one instance of the op to the registry under ``cls.name``."""
    OPS[cls.name] = cls()
    return cls


class Op:
    """Base class. Subclasses set ``name``, ``args`` and override the rules they need.

    All counts are per sample (batch 1); the analysis multiplies by the batch size.
    """

    name: ClassVar[str] = ""
    #: argument name -> default (``REQUIRED`` for required ones)
    args: ClassVar[dict[str, Any]] = {}
    #: other spellings accepted in spec files
    aliases: ClassVar[dict[str, str]] = {}
    #: string values passed through unevaluated, per argument
    literals: ClassVar[dict[str, frozenset[str]]] = {}
    #: how many inputs: 1, or None for any number >= 2 (merges)
    arity: ClassVar[int | None] = 1
    #: at inference, does the output alias the input (in-place activation, view, identity)?
    inplace_default: ClassVar[bool] = False
    #: one-line description for docs and ``cnncost ops``
    summary: ClassVar[str] = ""
    #: takes inputs in any axis order (a :class:`~cnncost.dims.Permuted` shape); the builder
    #: refuses permuted inputs to every other op
    any_layout: ClassVar[bool] = False
    #: its tensors are attributes of the enclosing module, not of a module of its own
    #: (torchvision's ``CNBlock.layer_scale``): the torch key is ``<parent path>.<tensor name>``
    tensors_on_parent: ClassVar[bool] = False
    #: a merge a spec's ``parallel``/``residual`` may name in ``merge:``
    is_merge: ClassVar[bool] = False
    #: counted in a network's depth (papers' "152 layers" count conv and linear layers)
    counts_depth: ClassVar[bool] = False
    #: a merge that gates one input by another (SE): depth follows its shallower input
    is_gate: ClassVar[bool] = False
    #: as a residual's merge, the shortcut comes first (DenseNet's ``cat([x, new])``)
    shortcut_first: ClassVar[bool] = False

    # ---- argument handling -------------------------------------------------------------
    def prepare(self, a: dict[str, Any], ins: list[Shape]) -> dict[str, Any]:
        """Check and normalise evaluated arguments (e.g. kernel -> (kh, kw)). Default: as is."""
        return a

    def allocates(self, a: dict[str, Any]) -> bool:
        """Whether the output is a new tensor at inference (False for in-place ops and views)."""
        return not a.get("inplace", self.inplace_default)

    def bind(self, value: dict[str, Any], env: dict[str, Any], loc: Any = None,
             path: str = "") -> dict[str, Any]:
        """A layer's spec arguments (aliases resolved, expressions evaluated in ``env``,
        defaults filled in), refusing unknown, repeated or missing ones."""
        args: dict[str, Any] = {}
        declared, aliases, literals = self.args, self.aliases, self.literals
        for key, raw in value.items():
            canon = aliases.get(key, key) if aliases else key
            if canon not in declared:
                raise CnnCostError(f"unknown argument {key!r} of {self.name!r}"
                                   + suggest(str(key), list(self.args) + list(self.aliases)),
                                   _where(value, key, loc), path)
            if canon in args:
                raise CnnCostError(f"argument {canon!r} of {self.name!r} given twice", loc, path)
            if literals and isinstance(raw, str) and raw in literals.get(canon, ()):
                args[canon] = raw
                continue
            try:
                args[canon] = evaluate(raw, env)
            except CnnCostError as exc:
                raise exc.with_context(_where(value, key, loc), path) from None
        for key, default in self.args.items():
            if key not in args:
                if default is REQUIRED:
                    raise CnnCostError(f"{self.name!r} needs argument {key!r}", loc, path)
                args[key] = default
        return args

    def apply(self, args: dict[str, Any], ins: list[Shape]) -> Applied:
        """Every rule on evaluated args and input shapes, memoised: deep nets repeat the same
        layer many times (ResNet-152 has 36 identical bottlenecks) and sweeps rebuild them.

        The rules are pure functions of the key, so a hit returns exactly what a fresh
        evaluation would. The key holds the op's class (relu and sigmoid share every rule method
        and differ only in class constants), the rule functions themselves, and the argument
        values with their types (True == 1 == 1.0, yet `bias: 1` must stay an error).
        """
        cls = type(self)
        try:
            key = (cls, _rules(cls), tuple(args.items()), tuple(map(type, args.values())),
                   tuple(ins))
            hit = _MEMO.get(key)
        except TypeError:  # an unhashable argument (a list): evaluate without the memo
            key, hit = None, None
        if hit is not None:
            return hit
        if not self.any_layout:
            for s in ins:
                if type(s) is Permuted:
                    raise CnnCostError(f"{self.name} needs a channels-first input, got a "
                                       f"{layout_name(s)} tensor; add a 'permute' before it")
        a = self.prepare(args, ins)
        shape = self.shape(a, ins)
        out = tuple(as_int(d) for d in shape)
        if type(shape) is Permuted:
            out = Permuted(out, shape.order)
        params, buffers = self.param_shapes(a, ins, out), self.buffer_shapes(a, ins, out)
        result = Applied(ReadOnly(a), out, ReadOnly(params), ReadOnly(buffers),
                         self.macs(a, ins, out), self.other_ops(a, ins, out), self.allocates(a),
                         _elements(params), _elements(buffers), prod(out))
        if key is not None:
            if len(_MEMO) > 20_000:
                _MEMO.clear()
            _MEMO[key] = result
        return result

    # ---- the rules -------------------------------------------------------------------------
    def shape(self, a: dict[str, Any], ins: list[Shape]) -> Shape:
        """Output shape (per sample)."""
        return ins[0]

    def param_shapes(self, a: dict[str, Any], ins: list[Shape], out: Shape) -> dict[str, tuple]:
        """Learnable tensors, by torch name (``weight``, ``bias``)."""
        return {}

    def buffer_shapes(self, a: dict[str, Any], ins: list[Shape], out: Shape) -> dict[str, tuple]:
        """Non-learnable state (BN running statistics)."""
        return {}

    def macs(self, a: dict[str, Any], ins: list[Shape], out: Shape) -> Any:
        """Multiply-accumulates (conv and linear only)."""
        return 0

    def other_ops(self, a: dict[str, Any], ins: list[Shape], out: Shape) -> Any:
        """Non-MAC elementary operations (bias adds, comparisons, exps, ...)."""
        return 0

    # ---- memory rules: what liveness and the fit ask of the op (docs/memory.md) -------------
    #: its input gradient is a view of its output gradient (no new buffer in backward)
    grad_is_view: ClassVar[bool] = False
    #: under AMP, autocast caches a 16-bit copy of its weights (kept for backward too)
    autocast_weights: ClassVar[bool] = False
    #: on CUDA it runs through cuBLAS, which reserves its workspace once per process
    uses_cublas: ClassVar[bool] = False
    #: a chain of these (DenseNet's concats) holds its pieces until the chain's last link
    holds_chain_pieces: ClassVar[bool] = False

    def saved(self, a: dict[str, Any], ins: list[Shape], out: Shape,
              device: str) -> list[Saved] | None:
        """What autograd keeps for backward; None: no rule (the input is assumed, with a note)."""
        return None

    def allocates_in(self, a: dict[str, Any], train: bool, allocates: bool) -> bool:
        """Whether the output is a new tensor in this mode (``allocates``: at inference)."""
        return allocates

    def transient_bytes(self, a: dict[str, Any], out: Shape) -> Any:
        """Per-sample bytes of scratch that live only while the op runs (forward)."""
        return 0

    def workspace(self, a: dict[str, Any]) -> tuple[str, ...]:
        """Tensors cuDNN copies into scratch while the op runs on CUDA: "input", "output"."""
        return ()

    # ---- training: backward and the time model (docs/time.md) --------------------------------
    def backward_macs(self, a: dict[str, Any], ins: list[Shape], out: Shape,
                      grads: tuple[bool, ...]) -> Any:
        """Multiply-accumulates of the backward pass: the weight gradient of a learnable op
        and, for each input whose ``grads`` flag is set (it needs a gradient), the input
        gradient. Default: an op whose MACs are products with a learned weight (conv-like)
        pays its forward MACs once for the weight gradient and once for the input gradient."""
        fwd = self.macs(a, ins, out)
        if not fwd:
            return 0
        learned = bool(self.param_shapes(a, ins, out))
        return fwd * ((1 if learned else 0) + (1 if any(grads) else 0))

    def backward_other_ops(self, a: dict[str, Any], ins: list[Shape], out: Shape,
                           grads: tuple[bool, ...]) -> Any:
        """Non-MAC operations of the backward pass (bias and BN parameter gradients, the
        derivative of an activation, pooling's scatter). Default: as many as the forward's
        when an input needs a gradient (the ops below override it with their own rule)."""
        return self.other_ops(a, ins, out) if any(grads) else 0

    def gemm(self, a: dict[str, Any], ins: list[Shape], out: Shape) -> Gemm | None:
        """The op as ``groups`` GEMMs of M (per sample) x N x K, for the time model's
        efficiency terms; None for ops that are not matrix products."""
        return None

    def launches(self, a: dict[str, Any], train: bool) -> int:
        """GPU kernels one forward application launches (0 for views and no-ops)."""
        return 1

    # ---- numpy reference ---------------------------------------------------------------------
    def forward(self, a: dict[str, Any], xs: list[Any], w: dict[str, Any]) -> tuple[Any, int]:
        """Run the op on numpy arrays (batch leading). Returns (output, MACs counted)."""
        raise NotImplementedError(f"no numpy forward for op {self.name!r}")


# ---- helpers for argument checking shared by the ops -----------------------------------------


def need_int(value: Any, what: str, minimum: int | None = None) -> Any:
    """An integer (or integer-valued symbol); optionally at least ``minimum`` when known."""
    if type(value) is int and (minimum is None or value >= minimum):  # the common case, first
        return value
    if isinstance(value, bool):
        raise CnnCostError(f"{what} must be an integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise CnnCostError(f"{what} must be an integer, got {value!r}")
        value = int(value)
    if is_symbolic(value):
        value = as_int(value)
        if is_symbolic(value) and value.is_integer is False:
            raise CnnCostError(f"{what} must be an integer, got {value}")
        return value
    if not isinstance(value, int):
        raise CnnCostError(f"{what} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise CnnCostError(f"{what} must be at least {minimum}, got {value}")
    return value


def need_bool(value: Any, what: str) -> bool:
    """A YAML boolean."""
    if not isinstance(value, bool):
        raise CnnCostError(f"{what} must be true or false, got {value!r}")
    return value


def need_float(value: Any, what: str) -> float:
    """A plain number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CnnCostError(f"{what} must be a number, got {value!r}")
    return float(value)


def pair(value: Any, what: str, minimum: int | None = None) -> tuple[Any, Any]:
    """An int or a list of two ints -> (h, w)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise CnnCostError(f"{what} must be one number or [h, w], got {len(value)} values")
        return need_int(value[0], what, minimum), need_int(value[1], what, minimum)
    v = need_int(value, what, minimum)
    return v, v


def spatial(shape: Shape, op: str) -> tuple[Any, Any, Any]:
    """(C, H, W) of a 3-D shape, or a clear error for flat tensors."""
    if len(shape) != 3:
        raise CnnCostError(f"{op} needs a C×H×W input, got a flat tensor of {shape[0]} features")
    return shape[0], shape[1], shape[2]


def check_positive(dims: tuple, what: str | Callable[[], str]) -> None:
    """Numeric dims must be >= 1. ``what`` may be a function, so that the message (which may
    print sympy expressions, slowly) is only built when the check fails."""
    for d in dims:
        if not is_symbolic(d) and d < 1:
            raise CnnCostError(what() if callable(what) else what)


def fmt_dims(shape: tuple) -> str:
    """A shape as ``CxHxW`` for messages."""
    return "x".join(str(d) for d in shape)


def numel(shape: tuple) -> Any:
    """Number of elements of a shape."""
    return prod(shape)
