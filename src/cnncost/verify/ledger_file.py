"""The ledger file: its data model (selections, entries) and a strict loader that refuses a
malformed ledger with one line naming the file, line and key. :mod:`.ledger` recomputes the
entries and gives each its verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CnnCostError, Loc, suggest
from ..spec.yamlio import LList, LMap, load_file

TOP_KEYS = ("ledger", "sources", "entries")
SELECT_KEYS = ("model", "input", "set", "from", "until", "only", "dtype", "train", "epochs",
               "images")
ENTRY_KEYS = ("id", *SELECT_KEYS, "quantity", "of", "vs", "value", "printed", "unit", "convention",
              "tolerance", "source", "locator", "expect", "reason", "weights", "year")

COUNT_UNITS = {"": 1, "K": 10**3, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
BYTE_UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30,
              "kB": 10**3, "MB": 10**6, "GB": 10**9}
ELEMENT_UNITS = {"elements": 1, "K elements": 10**3, "M elements": 10**6}
#: quantity -> the units it may be stated in
QUANTITIES: dict[str, dict[str, Any]] = {
    "params": COUNT_UNITS,            # learnable tensors (BN affine included)
    "weights": COUNT_UNITS,           # params without the tensors named 'bias'
    "macs": COUNT_UNITS,              # conv + linear multiply-accumulates
    "flops": COUNT_UNITS,             # 2 x MACs
    "activation_memory": {**BYTE_UNITS, **ELEMENT_UNITS},  # newly allocated outputs
    "output_memory": {**BYTE_UNITS, **ELEMENT_UNITS},      # every output tensor, views included
    "feature_memory": {**BYTE_UNITS, **ELEMENT_UNITS},     # convnet-burden: merges allocate too
    "param_memory": BYTE_UNITS,       # params x dtype bytes
    "state_memory": BYTE_UNITS,       # (params + buffers) x dtype bytes: all a checkpoint holds
    "output_shape": {"": 1},          # the last selected layer's output, e.g. 64x56x56
    "ratio": {"x": 1, "%": Fraction(1, 100)},  # quantity `of` this model over the `vs` model
    "min_size": {"": 1},              # smallest square input side every layer accepts
    # training compute over `epochs` x `images` (default 1 x 1: per image); analysis/training.py
    "backward_macs": COUNT_UNITS,                                       # weight + input gradients
    "train_flops": {**COUNT_UNITS, "E": 10**18, "pfs-days": 864 * 10**17},  # 2 x (fwd + bwd)
    "train_flops_3x": {**COUNT_UNITS, "E": 10**18, "pfs-days": 864 * 10**17},  # 3 x 2 x fwd
    "acc@1": {"%": 1}, "acc@5": {"%": 1}, "top5_error": {"%": 1},  # recorded, not recomputed
}
RECORDED_QUANTITIES = ("acc@1", "acc@5", "top5_error")


@dataclass(frozen=True)
class Selection:
    """Which model, at which input and settings, which layers."""

    model: str
    input: str | None = None
    set: dict[str, Any] = field(default_factory=dict)
    start: str | None = None
    until: str | None = None
    only: tuple[str, ...] | None = None
    dtype: str = "fp32"
    train: bool = False
    epochs: Any = 1      # training-compute quantities: passes over `images` images
    images: int = 1


@dataclass(frozen=True)
class Entry:
    """One published figure."""

    id: str
    sel: Selection
    quantity: str
    value: Any                      # int, Decimal, or text (formula / shape)
    unit: str
    tolerance: Fraction | None      # None: exact (formulas, shapes)
    source: str
    citation: str
    locator: str
    convention: str = ""
    printed: str = ""
    of: str | None = None
    vs: Selection | None = None
    expect_mismatch: bool = False
    reason: str = ""
    loc: Loc | None = None
    base: Path | None = None        # the ledger's folder: spec paths are relative to it
    weights: str = ""               # what was measured: 'X_Weights.V1', an ILSVRC submission
    year: int | None = None         # e.g. the ILSVRC edition a top-5 error was won in

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(m for m in (self.sel.model, self.vs.model if self.vs else "") if m)


def decimal_json(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() and d.as_tuple().exponent >= 0 else float(d)


# ---- loading and validation -----------------------------------------------------------------


def default_ledger_path() -> Path:
    """The ledger shipped with the package."""
    return Path(str(resources.files("cnncost") / "data" / "ledger.yaml"))


def _err(msg: str, where: Any, key: str | None = None) -> CnnCostError:
    loc = getattr(where, "key_locs", {}).get(key) if key else None
    return CnnCostError(msg, loc or getattr(where, "loc", None))


def _text(raw: LMap, key: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _err(f"{key!r} must be non-empty text", raw, key)
    return value.strip()


def _number(raw: LMap, key: str) -> Any:
    """A printed number: int, or a Decimal keeping the printed digits (11.30 stays 11.30)."""
    value = raw.get(key)
    if isinstance(value, bool):
        raise _err(f"{key!r} must be a number, not a boolean", raw, key)
    if isinstance(value, int):
        return value
    try:
        if isinstance(value, float):
            text = getattr(value, "text", "").replace("_", "")  # the digits as written
            number = Decimal(text if _is_numeric(text) else repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", ""))
        else:
            number = None
        if number is not None and number.is_finite():
            return number
    except InvalidOperation:
        pass
    raise _err(f"{key!r} must be a number (as printed, finite), got {value!r}", raw, key)


def _half_ulp(value: Any) -> Fraction:
    """The tolerance a printed number implies: half a unit of its last digit (13.6 -> 0.05)."""
    if isinstance(value, int):
        return Fraction(1, 2)
    exponent = value.as_tuple().exponent
    return Fraction(1, 2) * Fraction(10) ** exponent


def _selection(raw: LMap, what: str, model_optional: bool = False) -> Selection:
    model = _text(raw, "model", required=not model_optional)  # '' only for recorded figures
    sets = raw.get("set") or {}
    if not isinstance(sets, dict):
        raise _err(f"'set' of {what} must be a mapping", raw, "set")
    only = raw.get("only")
    if only is not None:
        if isinstance(only, str):
            only = [t.strip() for t in only.split(",")]
        if not isinstance(only, list) or not all(isinstance(t, str) and t for t in only):
            raise _err(f"'only' of {what} must be a list of op types", raw, "only")
    for key in ("input", "from", "until", "dtype"):
        if key in raw and not isinstance(raw[key], str):
            raise _err(f"{key!r} of {what} must be text", raw, key)
    train = raw.get("train", False)
    if not isinstance(train, bool):
        raise _err(f"'train' of {what} must be true or false", raw, "train")
    for key in ("epochs", "images"):
        if key in raw and (isinstance(raw[key], bool) or not isinstance(raw[key], int)
                           or raw[key] < 1):
            raise _err(f"{key!r} of {what} must be a whole number >= 1", raw, key)
    return Selection(model, raw.get("input"), dict(sets), raw.get("from"), raw.get("until"),
                     tuple(only) if only else None, raw.get("dtype", "fp32"), train,
                     raw.get("epochs", 1), raw.get("images", 1))


def _ratio_parts(raw: LMap, quantity: str, what: str) -> tuple[str | None, Selection | None]:
    """``of`` and ``vs`` of a ratio entry (None, None for the others)."""
    of = vs = None
    if quantity == "ratio":
        of = _text(raw, "of")
        if of not in QUANTITIES or of in ("ratio", "output_shape"):
            raise _err(f"'of' of {what} must be a numeric quantity", raw, "of")
        if not isinstance(raw.get("vs"), LMap):
            raise _err(f"a ratio needs 'vs': the model it is divided by ({what})", raw)
        for key in raw["vs"]:
            if key not in SELECT_KEYS:
                raise _err(f"unknown key {key!r} in 'vs' of {what}", raw["vs"], key)
        vs = _selection(raw["vs"], what)
    elif "of" in raw or "vs" in raw:
        raise _err(f"'of' and 'vs' belong to ratio entries only ({what})", raw)
    return of, vs


def _value_and_tolerance(raw: LMap, quantity: str, what: str) -> tuple[Any, Fraction | None]:
    """The published value (a number, or a formula / shape text) and its tolerance."""
    tolerance: Fraction | None
    if quantity == "output_shape" or isinstance(raw.get("value"), str) and not _is_numeric(
            raw["value"]):
        value = _text(raw, "value")
        if "tolerance" in raw:
            raise _err(f"{what}: formulas and shapes are compared exactly; drop 'tolerance'", raw,
                       "tolerance")
        tolerance = None
        if quantity != "output_shape":
            from ..expr import compile_expr

            compile_expr(value)  # refuse anything outside the whitelisted grammar now
    else:
        value = _number(raw, "value")
        tolerance = _half_ulp(value)
        if "tolerance" in raw:
            tol = _number(raw, "tolerance")
            if tol < 0:
                raise _err(f"tolerance of {what} must not be negative", raw, "tolerance")
            tolerance = Fraction(tol)
    return value, tolerance


def _entry(raw: Any, sources: dict[str, str], seen: set[str]) -> Entry:
    if not isinstance(raw, LMap):
        raise _err("each entry must be a mapping", raw)
    for key in raw:
        if key not in ENTRY_KEYS:
            raise _err(f"unknown key {key!r} in a ledger entry" + suggest(str(key), ENTRY_KEYS),
                       raw, key)
    eid = _text(raw, "id")
    if eid in seen:
        raise _err(f"duplicate entry id {eid!r}", raw, "id")
    seen.add(eid)
    what = f"entry {eid!r}"
    quantity = _text(raw, "quantity")
    if quantity not in QUANTITIES:
        raise _err(f"unknown quantity {quantity!r} in {what}" + suggest(quantity, QUANTITIES),
                   raw, "quantity")
    unit = raw.get("unit", "")
    if not isinstance(unit, str) or unit not in QUANTITIES[quantity]:
        raise _err(f"unit {unit!r} does not fit quantity {quantity!r} in {what}; choose one of "
                   + ", ".join(repr(u) for u in QUANTITIES[quantity]), raw, "unit")
    of, vs = _ratio_parts(raw, quantity, what)
    value, tolerance = _value_and_tolerance(raw, quantity, what)
    source = _text(raw, "source")
    if source not in sources:
        raise _err(f"unknown source {source!r} in {what}" + suggest(source, sources), raw,
                   "source")
    expect = raw.get("expect")
    if expect not in (None, "mismatch"):
        raise _err(f"'expect' of {what} can only be 'mismatch'", raw, "expect")
    reason = _text(raw, "reason", required=expect is not None)
    if expect is None and reason:
        raise _err(f"{what} has a 'reason' but no 'expect: mismatch'", raw, "reason")
    return Entry(eid, _selection(raw, what, quantity in RECORDED_QUANTITIES), quantity, value,
                 unit, tolerance, source, sources[source], _text(raw, "locator"),
                 _text(raw, "convention", False), str(raw.get("printed", "")), of, vs,
                 expect == "mismatch", reason, raw.loc, weights=_text(raw, "weights", False),
                 year=_year(raw, what))


def _year(raw: LMap, what: str) -> int | None:
    year = raw.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise _err(f"'year' of {what} must be an integer", raw, "year")
    return year


def _is_numeric(text: str) -> bool:
    try:
        Decimal(text.strip().replace(",", ""))
        return True
    except InvalidOperation:
        return False


def resolve_model(model: str, base: Path | None) -> str:
    """A spec path in a ledger is relative to the ledger file; bundled names pass through."""
    from ..spec.zoo import is_path

    if base is None or not is_path(model) or Path(model).is_absolute():
        return model
    return str(base / model)


def _check_model(model: str, base: Path, where: LMap) -> None:
    """An unknown bundled name or a missing spec file makes the ledger malformed."""
    from ..spec.zoo import is_path, zoo_index

    if is_path(model):
        if not Path(resolve_model(model, base)).is_file():
            raise _err(f"no such spec file: {model} (paths are relative to the ledger)", where,
                       "model")
    elif model not in zoo_index():
        raise _err(f"unknown model {model!r}" + suggest(model, list(zoo_index())), where, "model")


def load_ledger(path: str | Path | None = None) -> list[Entry]:
    """Load and validate a ledger strictly; any problem raises CnnCostError (exit 2 in the CLI)."""
    file = Path(path) if path is not None else default_ledger_path()
    raw = load_file(file, str(path) if path is not None else "cnncost/data/ledger.yaml")
    if not isinstance(raw, LMap):
        raise CnnCostError("a ledger must be a mapping with 'sources' and 'entries'",
                           Loc(str(file)))
    for key in raw:
        if key not in TOP_KEYS:
            raise _err(f"unknown key {key!r} in the ledger" + suggest(str(key), TOP_KEYS), raw, key)
    if raw.get("ledger", 1) != 1:
        raise _err("unsupported ledger version (this cnncost reads version 1)", raw, "ledger")
    sources = raw.get("sources")
    if not isinstance(sources, LMap) or not all(isinstance(v, str) for v in sources.values()):
        raise _err("'sources' must map a short name to its citation", raw, "sources")
    items = raw.get("entries")
    if not isinstance(items, LList) or not items:
        raise _err("'entries' must be a non-empty list", raw, "entries")
    seen: set[str] = set()
    base = file.parent
    out = []
    for item in items:
        e = _entry(item, {str(k): v for k, v in sources.items()}, seen)
        for model in e.models:
            _check_model(model, base, item)
        out.append(Entry(**{**e.__dict__, "base": base}))
    return out
