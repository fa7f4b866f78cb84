"""The published-numbers ledger: figures printed in papers, lectures and model zoos, recomputed.

A ledger is a strict YAML file (see ``data/ledger.yaml``): ``sources`` names each publication once
and ``entries`` lists one published figure each — the model (a bundled name or a spec path,
relative to the ledger file) with its input, ``set`` overrides, ``from``/``until`` slice and
``only`` op types; the quantity; the value *as printed*; its unit; the convention that reproduces
it; and where it is printed. A figure known not to reproduce carries ``expect: mismatch`` and a
``reason``; it is checked to still mismatch, so a change that silently "fixes" it is noticed.
Accuracy figures (``acc@1``, ``acc@5``, ``top5_error``) are *recorded*, not recomputed.

>>> from cnncost.verify.ledger_file import load_ledger
>>> entries = load_ledger()
>>> results = check(e for e in entries if e.id == "lecture-alexnet-conv1-params-exact")
>>> results[0].status, results[0].computed
('reproduced', 23296)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import CnnCostError
from .ledger_file import (ELEMENT_UNITS, QUANTITIES, RECORDED_QUANTITIES, Entry, Selection,
                          decimal_json, resolve_model)

REPRODUCED, KNOWN, REGRESSION = "reproduced", "known discrepancy", "REGRESSION"
RECORDED = "recorded"  # accuracy: kept with its source, nothing to recompute
STATUSES = (REPRODUCED, KNOWN, RECORDED, REGRESSION)

@dataclass(frozen=True)
class Result:
    """An entry with its recomputed value and verdict."""

    entry: Entry
    computed: Any        # in the entry's unit: int, float, or text
    status: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        e = self.entry
        published = e.value if isinstance(e.value, (int, str)) else decimal_json(e.value)
        return {"id": e.id, "model": e.sel.model + (f" / {e.vs.model}" if e.vs else ""),
                "quantity": e.quantity + (f" of {e.of}" if e.of else ""),
                "published": published, "computed": self.computed, "unit": e.unit,
                "source": f"{e.citation}: {e.locator}", "status": self.status,
                "reason": self.reason}


# ---- computing and comparing ------------------------------------------------------------------


def _measure(sel: Selection, quantity: str, unit: str, base: Path | None = None) -> Any:
    """The quantity over the selection, exact (int, Fraction or sympy), divided by the unit."""
    from ..analysis.report import dtype_bytes
    from ..api import analyze
    from ..dims import prod

    if quantity == "min_size":
        from ..analysis.domain import min_square_input

        return min_square_input(resolve_model(sel.model, base), set=sel.set or None,
                                train=sel.train)
    r = analyze(resolve_model(sel.model, base), input=sel.input, dtype=sel.dtype,
                set=sel.set or None, train=sel.train, start=sel.start, until=sel.until,
                only=list(sel.only) if sel.only else None)
    if not r.nodes:
        raise CnnCostError("the selection has no layers")
    nbytes = dtype_bytes(sel.dtype)
    if quantity == "output_shape":
        return "x".join(str(d) for d in r.nodes[-1].shape)
    if quantity == "params":
        value = r.totals.params
    elif quantity == "weights":
        value = sum((prod(s) for n in r.nodes for k, s in n.param_shapes.items() if k != "bias"), 0)
    elif quantity == "macs":
        value = r.totals.macs
    elif quantity == "flops":
        value = 2 * r.totals.macs
    elif quantity in ("backward_macs", "train_flops", "train_flops_3x"):
        per_image = {"backward_macs": r.totals.backward_macs,
                     "train_flops": 2 * (r.totals.macs + r.totals.backward_macs),
                     "train_flops_3x": 3 * 2 * r.totals.macs}[quantity]
        value = per_image * sel.epochs * sel.images
    elif quantity == "param_memory":
        value = r.totals.params * nbytes
    elif quantity == "state_memory":
        value = (r.totals.params + r.totals.buffers) * nbytes
    elif quantity == "activation_memory":
        value = r.totals.activation_bytes
    elif quantity == "feature_memory":  # no memory reuse: only in-place activations/views are free
        value = sum((n.elements for n in r.nodes if n.allocates or n.op.is_merge), 0) * nbytes
    else:  # output_memory
        value = sum((n.elements for n in r.nodes), 0) * nbytes
    if quantity.endswith("_memory") and unit in ELEMENT_UNITS:
        value = value / Fraction(nbytes) if isinstance(value, int) else value / nbytes
    scale = QUANTITIES[quantity].get(unit, 1)
    if isinstance(value, int):
        return Fraction(value, scale) if scale != 1 else value
    if isinstance(value, Fraction):
        return value / scale
    return value / scale


def compute(entry: Entry) -> Any:
    """The entry's quantity in its unit, exactly."""
    if entry.quantity == "ratio":
        assert entry.vs is not None and entry.of is not None
        num = _measure(entry.sel, entry.of, "", entry.base)
        den = _measure(entry.vs, entry.of, "", entry.base)
        if den == 0:
            raise CnnCostError("ratio over a zero quantity")
        scale = QUANTITIES["ratio"][entry.unit]
        if isinstance(num, (int, Fraction)) and isinstance(den, (int, Fraction)):
            return Fraction(num) / Fraction(den) / scale
        return num / den / scale
    return _measure(entry.sel, entry.quantity, entry.unit, entry.base)


def _matches(entry: Entry, computed: Any) -> bool:
    if entry.quantity == "output_shape":
        return str(computed) == entry.value.replace("×", "x").replace(" ", "")
    if entry.tolerance is None:
        return _formula_equal(entry.value, computed)
    if not isinstance(computed, (int, Fraction)):
        return False
    return abs(Fraction(computed) - Fraction(entry.value)) <= entry.tolerance


def _formula_equal(text: str, computed: Any) -> bool:
    """Published formula (whitelisted expression over symbols) == computed expression, exactly."""
    import sympy

    from ..expr import compile_expr

    expr = compile_expr(text)
    known = {s.name: s for s in getattr(computed, "free_symbols", ())}
    env = {n: known.get(n) or sympy.Symbol(n, integer=True, positive=True) for n in expr.names}
    return sympy.expand(sympy.Integer(0) + expr(env) - computed) == 0


def shown(entry: Entry, computed: Any) -> Any:
    """A computed value for display: ints stay ints, fractions get two digits past the printed."""
    if isinstance(computed, int) or isinstance(computed, str):
        return computed
    if isinstance(computed, Fraction):
        if computed.denominator == 1:
            return int(computed)
        digits = 0
        if isinstance(entry.value, Decimal):
            digits = max(0, -int(entry.value.as_tuple().exponent))
        return round(float(computed), digits + 2)
    return str(computed)


def check_entry(entry: Entry) -> Result:
    """Recompute one entry and give its verdict."""
    try:
        if entry.quantity in RECORDED_QUANTITIES:  # nothing to recompute; the model must exist
            from ..spec.zoo import load_spec

            for model in entry.models:
                load_spec(resolve_model(model, entry.base))
            return Result(entry, None, RECORDED, "")
        computed = compute(entry)
    except CnnCostError as exc:
        return Result(entry, None, REGRESSION, f"cannot compute: {exc}")
    ok = _matches(entry, computed)
    value = shown(entry, computed)
    if entry.expect_mismatch:
        if ok:
            return Result(entry, value, REGRESSION,
                          f"known discrepancy now matches; update the ledger ({entry.reason})")
        return Result(entry, value, KNOWN, entry.reason)
    if ok:
        return Result(entry, value, REPRODUCED, "")
    tol = "" if entry.tolerance is None else f" ± {float(entry.tolerance):g}"
    return Result(entry, value, REGRESSION,
                  f"published {entry.value}{tol} {entry.unit}".rstrip() + f", computed {value}")


def check(entries: Iterable[Entry]) -> list[Result]:
    """Check entries in order."""
    return [check_entry(e) for e in entries]


def summary(results: list[Result]) -> dict[str, Any]:
    """Counts per status and the overall verdict."""
    counts = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    return {"entries": len(results), **counts, "ok": counts[REGRESSION] == 0}
