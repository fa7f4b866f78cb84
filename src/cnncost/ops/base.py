"""The op interface and registry. Each op keeps its shape rule, parameters, costs and numpy
forward pass together in one class, so the analysis and the reference pass cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from ..dims import Permuted, Shape, as_int, is_symbolic, layout_name, prod
from ..errors import CnnCostError

REQUIRED = object()

OPS: dict[str, Op] = {}


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


#: the rule methods a memo key must name (a rule patched in a test is never served stale)
RULE_METHODS = ("prepare", "shape", "param_shapes", "buffer_shapes", "macs", "other_ops",
                "allocates")
_MEMO: dict[tuple, Applied] = {}


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

    # ---- argument handling -------------------------------------------------------------
    def prepare(self, a: dict[str, Any], ins: list[Shape]) -> dict[str, Any]:
        """Check and normalise evaluated arguments (e.g. kernel -> (kh, kw)). Default: as is."""
        return a

    def allocates(self, a: dict[str, Any]) -> bool:
        """Whether the output is a new tensor at inference (False for in-place ops and views)."""
        return not a.get("inplace", self.inplace_default)

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
            key = (cls, tuple(getattr(cls, m) for m in RULE_METHODS),
                   tuple((k, type(v), v) for k, v in args.items()), tuple(ins))
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
        result = Applied(a, out, self.param_shapes(a, ins, out), self.buffer_shapes(a, ins, out),
                         self.macs(a, ins, out), self.other_ops(a, ins, out), self.allocates(a))
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
