"""Whitelisted arithmetic expressions from spec files and the command line.

Text is parsed with :mod:`ast` and compiled to closures over a small set of node types; nothing is
ever passed to ``eval``, ``exec`` or ``sympy.sympify``. Numbers stay Python ints and floats; sympy
is only touched when a value in the environment already is a sympy object (symbolic analysis).

>>> compile_expr("2 * c + depths[1]")({"c": 32, "depths": [3, 4]})
68
>>> compile_expr("in.c // groups")({"in.c": 64, "groups": 2})
32
>>> compile_expr("[2 ** i for i in range(4) if i != 2]")({})
[1, 2, 8]
"""

from __future__ import annotations

import ast
import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import lru_cache
from operator import itemgetter
from typing import Any

from .dims import is_symbolic
from .errors import CnnCostError, suggest
from .expr_functions import (ARITY, BINOPS, CMPOPS, FUNCTIONS, LIST_FUNCTIONS, MAX_INT_BITS,
                             MAX_LIST_ITEMS, make_divisible)

MAX_LENGTH = 400
MAX_NODES = 200

_IN_ATTR = re.compile(r"\bin\.([chw])\b")
__all__ = ["Expr", "compile_expr", "evaluate", "make_divisible"]
MAX_WALK = 8 * MAX_LIST_ITEMS  # list items one evaluation may walk (comprehensions, slices, ...)
_WALKED: ContextVar[list[int] | None] = ContextVar("walked", default=None)


Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]


def _show(text: str) -> str:
    """An expression for an error message: quoted, long ones shortened."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _num(value: Any, text: str) -> Any:
    """A number operand (int, float, bool or sympy), else a clear error (never list arithmetic)."""
    if type(value) is int:  # the common case, first
        return value
    if isinstance(value, (list, tuple, str, dict)) or value is None:
        raise CnnCostError(f"arithmetic needs numbers, got {_value(value)} in {_show(text)}")
    return value


def _value(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _result(value: Any, text: str) -> Any:
    """Refuse complex numbers and integers of more than MAX_INT_BITS bits."""
    if type(value) is int and value.bit_length() <= MAX_INT_BITS:  # the common case, first
        return value
    if isinstance(value, complex):
        raise CnnCostError(f"{_show(text)} gives a complex number")
    if isinstance(value, int) and not isinstance(value, bool) and \
            value.bit_length() > MAX_INT_BITS:
        raise CnnCostError(f"number in {_show(text)} is too large (limit 2**{MAX_INT_BITS})")
    if isinstance(value, float) and not abs(value) < 2.0**MAX_INT_BITS:  # also inf and nan
        raise CnnCostError(f"number in {_show(text)} is too large (limit 2**{MAX_INT_BITS})"
                           if value == value else f"{_show(text)} is not a number")
    return value


def _truth(value: Any, text: str) -> bool:
    if is_symbolic(value):
        import sympy

        if value in (sympy.true, sympy.false):
            return bool(value)
        raise CnnCostError(f"condition in {_show(text)} depends on symbols; give numbers with "
                           "--set")
    return bool(value)


_MISS = object()
_CACHED = (int, float, bool)  # results a memo may hand out again (immutable scalars)
MEMO_SIZE = 65_536  # results memoised over all expressions (then the memo starts again)
_MEMO: dict[Any, Any] = {}  # (expression, its names' values and types) -> result


class Expr:
    """A compiled expression: call it with an environment of names to get a value.

    An expression with operations (not a bare name or number) that walks no list is a pure
    function of the values of its names, so its scalar results are memoised by those values and
    their types (``1``, ``1.0`` and ``True`` stay apart), in one memo of at most ``MEMO_SIZE``
    entries for all expressions: deep networks evaluate the same
    ``int(planes * width_per_group / 64) * groups`` for every repeated block.
    """

    __slots__ = ("text", "names", "_fn", "_walks", "_memo", "_get", "_single", "_bare")

    def __init__(self, text: str, names: frozenset[str], fn: Compiled, walks: bool = False,
                 memo: bool = False, bare: str | None = None):
        self.text = text
        self.names = names
        self._fn = fn
        self._walks = walks  # walks lists: its evaluation counts the items against MAX_WALK
        self._memo = bool(memo and names and not walks)
        self._get = itemgetter(*sorted(names)) if self._memo else None
        self._single = len(names) == 1
        self._bare = bare  # the expression is this one name: looked up directly

    def __call__(self, env: Env) -> Any:
        if self._bare is not None:
            try:
                return env[self._bare]
            except KeyError:  # the error message comes from the compiled lookup
                return self._evaluate(env)
        key = None
        if self._memo:
            try:
                v = self._get(env)
                key = (self, v, type(v)) if self._single else (self, v, tuple(map(type, v)))
                hit = _MEMO.get(key, _MISS)
            except (KeyError, TypeError):  # a missing name (its error comes below), a list
                key, hit = None, _MISS
            if hit is not _MISS:
                return hit
        result = self._evaluate(env)
        if key is not None and type(result) in _CACHED:
            if len(_MEMO) >= MEMO_SIZE:  # bounded, whatever a spec or a long sweep evaluates
                _MEMO.clear()
            _MEMO[key] = result
        return result

    def _evaluate(self, env: Env) -> Any:
        token = _WALKED.set([0]) if self._walks else None
        try:
            return self._fn(env)
        except (ArithmeticError, TypeError, ValueError) as exc:  # e.g. float overflow, bad args
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CnnCostError(f"cannot evaluate {_show(self.text)}: {reason}") from None
        finally:
            if token is not None:
                _WALKED.reset(token)

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"


def _compile_name(node: ast.Name, text: str, names: set[str]) -> Compiled:
    """A name: looked up in the environment when evaluated."""
    name = node.id.replace("__in_", "in.") if node.id.startswith("__in_") else node.id
    names.add(name)

    def lookup(env: Env, name: str = name) -> Any:
        try:
            return env[name]
        except KeyError:
            raise CnnCostError(
                f"unknown name {name!r} in expression {_show(text)}"
                + suggest(name, list(env))
            ) from None

    return lookup


def _compile_call(node: ast.Call, text: str, names: set[str]) -> Compiled:
    """A call of a whitelisted function (FUNCTIONS), arity checked now."""
    if node.func.id not in FUNCTIONS:
        raise CnnCostError(
            f"unknown function {node.func.id!r} in {_show(text)}"
            + suggest(node.func.id, FUNCTIONS)
        )
    func, fname = FUNCTIONS[node.func.id], node.func.id
    lo, hi = ARITY[fname]
    if not lo <= len(node.args) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}" if hi < 99 else f"at least {lo}"
        raise CnnCostError(f"{fname}() takes {want} argument(s), got {len(node.args)} in "
                           f"{_show(text)}")
    args = [_compile(a, text, names) for a in node.args]

    def call(env: Env) -> Any:
        values = [a(env) for a in args]
        if fname in ("min", "max") and len(values) == 1 and isinstance(values[0], list):
            values = _items(values[0], text)  # min(depths)
            if not values:
                raise CnnCostError(f"{fname}() of an empty list in {_show(text)}")
        if fname in LIST_FUNCTIONS:
            return func(_items(values[0], text))
        return _result(func(*[_num(v, text) for v in values]), text)

    return call


def _compile_subscript(node: ast.Subscript, text: str, names: set[str]) -> Compiled:
    """``seq[i]`` on a list value."""
    base = _compile(node.value, text, names)
    index = _compile(node.slice, text, names)

    def subscript(env: Env) -> Any:
        seq, i = base(env), index(env)
        if not isinstance(seq, (list, tuple)):
            raise CnnCostError(f"{ast.unparse(node.value)!r} is not a list in {_show(text)}")
        if not isinstance(i, int) or not -len(seq) <= i < len(seq):
            raise CnnCostError(f"index {i!r} out of range in {_show(text)}")
        return seq[i]

    return subscript


def _compile(node: ast.AST, text: str, names: set[str]) -> Compiled:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CnnCostError(f"only numbers are allowed in expressions, not {value!r}")
        _result(value, text)
        return lambda env: value
    if isinstance(node, ast.Name):
        return _compile_name(node, text, names)
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        fn = BINOPS[type(node.op)]
        left, right = _compile(node.left, text, names), _compile(node.right, text, names)
        return lambda env: _result(fn(_num(left(env), text), _num(right(env), text)), text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        inner = _compile(node.operand, text, names)
        if isinstance(node.op, ast.USub):
            return lambda env: -_num(inner(env), text)
        if isinstance(node.op, ast.Not):
            return lambda env: not _truth(inner(env), text)
        return lambda env: _num(inner(env), text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return _compile_call(node, text, names)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        return _compile_slice(node, text, names)
    if isinstance(node, ast.ListComp):
        return _compile_listcomp(node, text, names)
    if isinstance(node, ast.Subscript):
        return _compile_subscript(node, text, names)
    if isinstance(node, ast.IfExp):
        cond = _compile(node.test, text, names)
        yes, no = _compile(node.body, text, names), _compile(node.orelse, text, names)
        return lambda env: yes(env) if _truth(cond(env), text) else no(env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in CMPOPS:
        cmp = CMPOPS[type(node.ops[0])]
        left, right = _compile(node.left, text, names), _compile(node.comparators[0], text, names)
        if isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return lambda env: cmp(left(env), right(env))
        # a bool, or an error when symbols leave it open: never a sympy relational that
        # would travel on as a number (--set c='N > 2')
        return lambda env: _truth(cmp(_num(left(env), text), _num(right(env), text)), text)
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, text, names) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda env: all(_truth(p(env), text) for p in parts)
        return lambda env: any(_truth(p(env), text) for p in parts)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e, text, names) for e in node.elts]
        return lambda env: [i(env) for i in items]
    raise CnnCostError(f"{type(node).__name__} is not allowed in expression {_show(text)}")


def _items(value: Any, text: str) -> list:
    """A list operand (for len(), slices and comprehensions) of at most MAX_LIST_ITEMS items."""
    if not isinstance(value, (list, tuple)):
        raise CnnCostError(f"expected a list, got {_value(value)} in {_show(text)}")
    if len(value) > MAX_LIST_ITEMS:
        raise CnnCostError(f"list of {len(value):,} items in {_show(text)} is over the limit of "
                           f"{MAX_LIST_ITEMS:,}")
    walked = _WALKED.get()
    if walked is not None:
        walked[0] += len(value)
        if walked[0] > MAX_WALK:
            raise CnnCostError(f"{_show(text)} walks more than {MAX_WALK:,} list items")
    return list(value)


def _compile_slice(node: ast.Subscript, text: str, names: set[str]) -> Compiled:
    """``widths[1:]``, ``starts[:-1]``, ``xs[::2]``: whole-number bounds, a non-zero step."""
    base = _compile(node.value, text, names)
    assert isinstance(node.slice, ast.Slice)
    parts = [None if p is None else _compile(p, text, names)
             for p in (node.slice.lower, node.slice.upper, node.slice.step)]

    def sliced(env: Env) -> Any:
        bounds = [None if p is None else p(env) for p in parts]
        if any(b is not None and (isinstance(b, bool) or not isinstance(b, int)) for b in bounds):
            raise CnnCostError(f"slice bounds must be whole numbers in {_show(text)}")
        if bounds[2] == 0:
            raise CnnCostError(f"slice step must not be zero in {_show(text)}")
        return _items(base(env), text)[slice(*bounds)]

    return sliced


def _compile_listcomp(node: ast.ListComp, text: str, names: set[str]) -> Compiled:
    """``[f(x) for x in xs if cond]``: one ``for`` over a list of at most MAX_LIST_ITEMS items,
    a plain loop name, no comprehension inside the item or the conditions (bounded work)."""
    if len(node.generators) != 1:
        raise CnnCostError(f"a list comprehension takes one 'for' in {_show(text)}")
    gen = node.generators[0]
    if not isinstance(gen.target, ast.Name) or gen.is_async:
        raise CnnCostError(f"the loop variable must be a plain name in {_show(text)}")
    if any(isinstance(n, ast.ListComp) for part in (node.elt, *gen.ifs) for n in ast.walk(part)):
        raise CnnCostError(f"list comprehensions do not nest in {_show(text)}")
    var = gen.target.id
    source = _compile(gen.iter, text, names)
    inner: set[str] = set()
    item = _compile(node.elt, text, inner)
    conds = [_compile(c, text, inner) for c in gen.ifs]
    names |= inner - {var}

    def comprehension(env: Env) -> list:
        out = []
        for value in _items(source(env), text):
            local = ChainMap({var: value}, env)
            if all(_truth(c(local), text) for c in conds):
                out.append(item(local))
        return out

    return comprehension


@lru_cache(maxsize=4096)
def compile_expr(text: str) -> Expr:
    """Parse and compile one expression; raises CnnCostError on anything not whitelisted."""
    if len(text) > MAX_LENGTH:
        raise CnnCostError(f"expression is too long ({len(text)} characters, limit {MAX_LENGTH})")
    source = _IN_ATTR.sub(r"__in_\1", text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise CnnCostError(f"cannot parse expression {_show(text)}") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise CnnCostError(f"expression {_show(text)} is too complex ({count} nodes, limit "
                           f"{MAX_NODES})")
    names: set[str] = set()
    fn = _compile(tree.body, text, names)
    walks = any(isinstance(n, (ast.ListComp, ast.Slice)) or (
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        and n.func.id in ("len", "min", "max")) for n in ast.walk(tree))
    bare = next(iter(names)) if isinstance(tree.body, ast.Name) else None
    return Expr(text, frozenset(names), fn, walks,
                memo=not isinstance(tree.body, (ast.Name, ast.Constant)), bare=bare)


def evaluate(value: Any, env: Env) -> Any:
    """Evaluate a YAML scalar or list: strings are expressions, numbers pass, lists map."""
    kind = type(value)
    if kind is int and value.bit_length() <= MAX_INT_BITS:  # the common cases, first
        return value
    if kind is str:
        return compile_expr(value)(env)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _result(value, str(value))
    if isinstance(value, str):
        return compile_expr(value)(env)
    if isinstance(value, list):
        return [evaluate(v, env) for v in value]
    if value is None:
        return None
    raise CnnCostError(f"expected a number or an expression, got {type(value).__name__}")
