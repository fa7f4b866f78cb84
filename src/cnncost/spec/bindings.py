"""Binding a spec's symbols and params: defaults, ``--set`` overrides and ``--input`` sizes.

>>> parse_input("3x224x224")
['3', '224', '224']
>>> parse_value("[3, 4, 6, 3]")
[3, 4, 6, 3]
"""

from __future__ import annotations

from typing import Any

from ..dims import Shape, as_int, is_symbolic
from ..errors import CnnCostError, suggest
from ..expr import compile_expr, evaluate
from .schema import Spec


def make_symbol(name: str) -> Any:
    """A positive integer sympy symbol (imports sympy on first use)."""
    import sympy

    return sympy.Symbol(name, positive=True, integer=True)


def _free_to_symbols(text: str, env: dict[str, Any]) -> dict[str, Any]:
    """Env extended with a symbol for every free name of ``text`` that env lacks."""
    names = compile_expr(text).names
    missing = [n for n in names if n not in env]
    if not missing:
        return env
    return {**env, **{n: make_symbol(n) for n in missing}}


def parse_value(text: str, env: dict[str, Any] | None = None) -> Any:
    """Evaluate a command-line value (``--set``, ``--input`` parts); free names become symbols."""
    env = env or {}
    if not text.strip():
        raise CnnCostError("empty value")
    if text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    return compile_expr(text)(_free_to_symbols(text, env))


def set_pairs(items: list[str] | None, usage: str = "KEY=VALUE",
              twice: str = "") -> list[tuple[str, str]]:
    """The one ``--set`` parser: ``["classes=10"]`` -> ``[("classes", "10")]``. A key given
    twice is refused (``twice`` is added to that message)."""
    pairs: list[tuple[str, str]] = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise CnnCostError(f"--set expects {usage}, got {item!r}")
        if any(k == key for k, _ in pairs):
            raise CnnCostError(f"--set {key} given twice{twice}")
        pairs.append((key, value))
    return pairs


def parse_sets(items: list[str] | dict[str, Any] | None) -> dict[str, Any]:
    """``["classes=10", "depths=[3,4,6,3]"]`` or a dict -> evaluated values."""
    if not items:
        return {}
    if isinstance(items, dict):
        return {k: (parse_value(v) if isinstance(v, str) else v) for k, v in items.items()}
    out: dict[str, Any] = {}
    for key, value in set_pairs(items):
        try:
            out[key] = parse_value(value)
        except CnnCostError as exc:
            exc.message = f"--set {key}: {exc.message}"
            raise
    return out


def parse_input(value: str | tuple | list) -> list[str]:
    """``3x224x224``, ``3xHxW``, ``3,H,W``, ``(3, 224, 224)`` or ``[3, "H", "W"]`` -> three
    expression strings.

    >>> parse_input("3xHxW"), parse_input((3, 224, 224))
    (['3', 'H', 'W'], ['3', '224', '224'])
    """
    if isinstance(value, (tuple, list)):
        parts = [str(p).strip() if not isinstance(p, bool) else "" for p in value]
    elif isinstance(value, str):
        parts = [p.strip() for p in (value.split(",") if "," in value else value.split("x"))]
    else:
        raise CnnCostError(f"input must be 'CxHxW' or three dims like (3, 224, 224), got {value!r}")
    if len(parts) != 3 or not all(parts):
        raise CnnCostError(f"--input must look like 3x224x224 or 3xHxW, got {value!r}")
    return parts


def environment(spec: Spec, sets: dict[str, Any] | None = None,
                input: str | tuple | list | None = None,
                symbolic: bool = False) -> tuple[dict[str, Any], Shape]:
    """Bind symbols and params (with ``--set`` overrides); return (env, input shape)."""
    sets = dict(sets or {})
    input_parts = parse_input(input) if input is not None else None
    input_names: set[str] = set()
    for part in input_parts or []:
        try:
            input_names |= compile_expr(part).names
        except CnnCostError as exc:
            raise CnnCostError(f"--input: {exc.message}") from None
    spec_input_names: set[str] = set()
    for part in spec.input:
        if isinstance(part, str):
            try:
                spec_input_names |= compile_expr(part).names
            except CnnCostError as exc:
                raise exc.with_context(spec.locs.get("input")) from None
    for key in sets:
        if key not in spec.params and key not in spec.symbols and key not in input_names | \
                spec_input_names:
            known = list(spec.params) + list(spec.symbols)
            raise CnnCostError(f"--set {key}: {spec.name!r} has no param or symbol {key!r}"
                               + suggest(key, known))
    env: dict[str, Any] = {}
    for name, default in spec.symbols.items():
        if name in sets:
            env[name] = sets[name]
        elif name in input_names or default is None or symbolic:
            env[name] = make_symbol(name)
        else:
            try:
                env[name] = evaluate(default, env)
            except CnnCostError as exc:
                raise exc.with_context(spec.locs.get("symbols")) from None
    if input_parts is None:
        input_names |= spec_input_names
    for name in sorted(input_names):
        if name not in env and name not in spec.params:
            env[name] = sets[name] if name in sets else make_symbol(name)
    for name, raw in spec.params.items():
        if name in sets:
            env[name] = sets[name]
            continue
        try:
            env[name] = evaluate(raw, env)
        except CnnCostError as exc:
            raise exc.with_context(spec.locs.get("params")) from None
    parts = input_parts if input_parts is not None else spec.input
    where, what = (None, "--input: ") if input_parts is not None else (spec.locs.get("input"), "")
    return env, tuple(_input_dim(part, env, where, what) for part in parts)


def _input_dim(part: Any, env: dict[str, Any], where: Any, what: str) -> Any:
    """One input size: a whole number >= 1 or a positive symbolic expression."""
    try:
        value = as_int(evaluate(part, env))
    except CnnCostError as exc:
        if what:
            exc.message = what + exc.message
        raise exc.with_context(where) from None
    if isinstance(value, bool) or not (isinstance(value, int) or is_symbolic(value)):
        raise CnnCostError(f"{what}input sizes must be whole numbers, got {value!r}", where)
    if isinstance(value, int) and value < 1:
        raise CnnCostError(f"{what}input sizes must be at least 1, got {value}", where)
    if is_symbolic(value) and getattr(value, "is_positive", None) is not True:
        raise CnnCostError(f"{what}input sizes must be positive, got {value} (which can be "
                           "zero or negative)", where)
    return value
