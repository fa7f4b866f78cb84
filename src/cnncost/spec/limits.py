"""The expander's bounds: one budget of expansion steps, name lengths and uniqueness, and the
size of symbolic expressions. Each check is cheap and fails with a located CnnCostError before
the work it guards (see docs/errors.md, "Work, names and sizes")."""

from __future__ import annotations

import re
from typing import Any

from ..dims import is_symbolic
from ..errors import CnnCostError, Loc, control_chars, printable
from ..expr import evaluate

from ..graph import MAX_NODES  # noqa: E402 - expanded layers (one constant)
MAX_STEPS = 500_000  # expansion steps: every item visited (skipped or not), iteration, call
MAX_NAME = 200  # characters of one (templated) name part
MAX_PATH = 1_000  # characters of a dotted row name
MAX_NAME_PARTS = 16  # {expr} parts of one name template
MAX_EXPR_NODES = 400  # nodes of one symbolic size (ceil-mode pools with a symbolic stride
#                       double it per layer; the bundled models need at most 51)

_NAME_PART = re.compile(r"\{([^{}]*)\}")


def too_many_steps(loc: Loc | None) -> None:
    raise CnnCostError(f"network expansion takes more than {MAX_STEPS:,} steps (items, "
                       "iterations and block calls, skipped ones included)", loc)


def expand_name(template: str, env: dict[str, Any], loc: Loc) -> str:
    """``denselayer{i + 1}`` -> ``denselayer3``: each ``{expr}`` must give a whole number."""
    def part(m: re.Match[str]) -> str:
        try:
            value = evaluate(m.group(1), env)
        except CnnCostError as exc:
            raise exc.with_context(loc) from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if is_symbolic(value) or isinstance(value, bool) or not isinstance(value, int):
            raise CnnCostError(f"name part {{{m.group(1)}}} must be a whole number, got {value}",
                               loc)
        return str(value)

    if template.count("{") > MAX_NAME_PARTS:
        raise CnnCostError(f"name {printable(template)[:60]!r} has more than {MAX_NAME_PARTS} "
                           "{...} parts", loc)
    name = _NAME_PART.sub(part, template)
    if len(name) > MAX_NAME:
        raise CnnCostError(f"name is {len(name):,} characters long (limit {MAX_NAME})", loc)
    if "{" in name or "}" in name:
        raise CnnCostError(f"unbalanced braces in name {template!r}", loc)
    return name


def check_word(name: str, loc: Loc) -> None:
    """A layer name: at most MAX_NAME characters, no control characters."""
    if control_chars(name) or len(name) > MAX_NAME:
        raise CnnCostError(f"'name' must be a word of at most {MAX_NAME} characters without "
                           f"control characters, got '{printable(name)[:60]}'", loc)


def check_unique(path: str, seen: dict[str, Loc | None], loc: Loc | None) -> None:
    """A row name: bounded, and not used before (``seen`` maps names to where they were made)."""
    if len(path) > MAX_PATH:
        raise CnnCostError(f"layer name is {len(path):,} characters long (limit {MAX_PATH:,})",
                           loc)
    if path in seen:
        first = seen[path]
        raise CnnCostError(f"two layers are named {path!r}" + (
            f" (the first at {first})" if first else "") + "; give one a different 'name'",
            loc, path)


def bounded(dim: Any, loc: Loc | None) -> None:
    """Refuse a symbolic size of more than MAX_EXPR_NODES expression nodes (counting stops
    there, so the check itself is cheap)."""
    if not is_symbolic(dim):
        return
    import sympy

    for count, _ in enumerate(sympy.preorder_traversal(dim), 1):
        if count > MAX_EXPR_NODES:
            raise CnnCostError(f"a symbolic size grows beyond {MAX_EXPR_NODES} terms; give numbers "
                               "for some symbols (--set, --input)", loc)


def count(raw: Any, env: dict[str, Any], what: str, loc: Loc) -> int:
    """A repeat count: a whole number from 0 to MAX_NODES."""
    n = evaluate(raw, env)
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if is_symbolic(n) or isinstance(n, bool) or not isinstance(n, int):
        raise CnnCostError(f"{what} must be a whole number, got {n}", loc)
    if n < 0:
        raise CnnCostError(f"{what} must not be negative, got {n}", loc)
    if n > MAX_NODES:
        raise CnnCostError(f"{what} {n:,} is over the limit of {MAX_NODES:,} layers", loc)
    return n


def word(value: Any, what: str, loc: Loc) -> Any:
    """A variable or scope name from a spec: None or an identifier-like word."""
    if value is not None and (not isinstance(value, str) or not value.isidentifier()):
        raise CnnCostError(f"{what} must be a name like i or downsample, got {value!r}", loc)
    return value
