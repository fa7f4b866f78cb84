"""The smallest square input a network accepts (torchvision's ``min_size``).

A size is accepted when every layer is valid at it: each convolution and pooling window fits
its padded input, every output dimension is at least 1 and every merge sees equal shapes — the
checks the expansion already makes. Train-only sides (auxiliary heads) are left out unless
``train``: inference never runs them (Inception v3's AuxLogits alone would need 299). Floors make validity non-monotone in general, so the search
tries every side from 1 upwards and returns the first accepted one: exact to the definition.

>>> min_square_input("alexnet"), min_square_input("vgg16"), min_square_input("resnet50")
(63, 32, 1)
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnCostError

LIMIT = 1024  # no bundled network needs more; a larger answer is reported as an error


def _expand(spec: Any, sets: dict[str, Any], side: int, train: bool) -> None:
    """Expand ``spec`` at ``C x side x side``; raises CnnCostError where a layer is invalid.
    Without ``train``, train-only sides are skipped: inference never runs them."""
    from ..spec.bindings import environment
    from ..spec.expand import Builder

    class InferenceBuilder(Builder):
        def _c_side(self, value: Any, name: Any, loc: Any, x: int, *rest: Any) -> int:
            f = self._fields(value, loc, "side", ("body", "train_only"), ("body",))
            if f.get("train_only", True) is True:
                return x
            return super()._c_side(value, name, loc, x, *rest)

    env, shape = environment(spec, sets, f"{spec.input[0]}x{side}x{side}", False)
    (Builder if train else InferenceBuilder)(spec).run(shape, env)


def accepts(spec: Any, side: int, sets: dict[str, Any], train: bool) -> bool:
    """Whether every layer of ``spec`` is valid at ``C x side x side``."""
    try:
        _expand(spec, sets, side, train)
    except CnnCostError:
        return False
    return True


def min_square_input(model: str, *, set: dict[str, Any] | None = None, train: bool = False,
                     limit: int = LIMIT) -> int:
    """The smallest ``S`` such that the model builds at ``C x S x S`` (C from the spec)."""
    from ..spec.zoo import load_spec

    spec = load_spec(model)  # an unknown model or a broken file is the caller's error, not 'no'
    if len(spec.input) != 3 or not isinstance(spec.input[0], int):
        raise CnnCostError(f"{model}: min_size needs an image input [C, H, W] with a numeric C")
    sets = dict(set or {})
    for side in range(1, limit + 1):
        if accepts(spec, side, sets, train):
            return side
    try:  # say why the largest size fails: usually a spec error rather than a size limit
        _expand(spec, sets, limit, train)
    except CnnCostError as exc:
        raise CnnCostError(f"{model}: no square input up to {limit} is valid ({exc})") from None
    raise AssertionError("unreachable: the largest size was just refused")
