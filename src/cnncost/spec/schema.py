"""Spec files: top-level validation and variants (finding specs by name is :mod:`.zoo`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CnnCostError, Loc, suggest
from .marked import LList, LMap

TOP_KEYS = ("cnncost", "name", "title", "source", "notes", "input", "symbols", "params", "blocks",
            "layers", "variants")
VARIANT_KEYS = ("title", "source", "notes", "input", "symbols", "params")
BLOCK_KEYS = ("args", "body", "inline", "doc")


@dataclass
class Spec:
    """One model: a spec file with one of its variants applied."""

    file: str
    name: str
    title: str
    source: str
    input: list
    symbols: dict[str, Any]
    params: dict[str, Any]
    blocks: dict[str, LMap]
    layers: LList
    notes: str = ""
    variants: tuple[str, ...] = ()
    locs: dict[str, Loc] = field(default_factory=dict)


def _text(raw: LMap, key: str, file: str, default: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise CnnCostError(f"{key!r} must be text", raw.key_locs.get(key, raw.loc))
    return value


def _mapping(raw: LMap, key: str) -> LMap:
    value = raw.get(key)
    if value is None:
        empty = LMap()
        empty.loc, empty.key_locs = raw.loc, {}
        return empty
    if not isinstance(value, LMap):
        raise CnnCostError(f"{key!r} must be a mapping", raw.key_locs.get(key, raw.loc))
    return value


def _symbols(raw: LMap) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, LMap):
            unknown = set(value) - {"default", "doc"}
            if unknown:
                raise CnnCostError(f"unknown key {sorted(unknown)[0]!r} in symbol {name!r}",
                                   value.loc)
            value = value.get("default")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))):
            raise CnnCostError(f"default of symbol {name!r} must be an integer",
                               raw.key_locs.get(name, raw.loc))
        out[str(name)] = value
    return out


def _input(value: Any, loc: Loc) -> list:
    """The per-sample input: [C, H, W] (or [F] for a flat input); empty when missing."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) not in (1, 3):
        raise CnnCostError(f"'input' must be a list like [3, H, W], got {value!r}"[:120], loc)
    return list(value)


def _check_keys(raw: LMap, allowed: tuple[str, ...], what: str) -> None:
    for key in raw:
        if key not in allowed:
            raise CnnCostError(f"unknown key {key!r} in {what}" + suggest(str(key), allowed),
                               raw.key_locs.get(key, raw.loc))


def parse_spec(raw: Any, file: str, variant: str | None = None) -> Spec:
    """Validate a loaded YAML document and apply a variant (by name) if given."""
    if not isinstance(raw, LMap):
        raise CnnCostError("a spec file must be a mapping with 'name' and 'layers'",
                           getattr(raw, "loc", Loc(file)))
    _check_keys(raw, TOP_KEYS, "the spec")
    version = raw.get("cnncost", 1)
    if version != 1:
        raise CnnCostError(f"unsupported spec version {version!r} (this cnncost reads version 1)",
                           raw.key_locs.get("cnncost", raw.loc))
    name = _text(raw, "name", file, Path(file).stem)
    layers = raw.get("layers")
    if not isinstance(layers, LList) or not layers:
        raise CnnCostError("'layers' must be a non-empty list", raw.key_locs.get("layers", raw.loc))
    blocks = _mapping(raw, "blocks")
    for bname, block in blocks.items():
        if not isinstance(block, LMap):
            raise CnnCostError(f"block {bname!r} must be a mapping with 'body'",
                               blocks.key_locs.get(bname, blocks.loc))
        _check_keys(block, BLOCK_KEYS, f"block {bname!r}")
        if not isinstance(block.get("body"), LList):
            raise CnnCostError(f"block {bname!r} needs a 'body' list", block.loc)
        if block.get("args") is not None and not isinstance(block.get("args"), LMap):
            raise CnnCostError(f"'args' of block {bname!r} must be a mapping", block.loc)
    variants = _mapping(raw, "variants")
    spec = Spec(
        file=file, name=name, title=_text(raw, "title", file), source=_text(raw, "source", file),
        notes=_text(raw, "notes", file),
        input=_input(raw.get("input"), raw.key_locs.get("input", raw.loc)),
        symbols=_symbols(_mapping(raw, "symbols")), params=dict(_mapping(raw, "params")),
        blocks=dict(blocks), layers=layers, variants=tuple(str(v) for v in variants),
        locs={"input": raw.key_locs.get("input", raw.loc), "params": raw.loc},
    )
    if not spec.input:
        raise CnnCostError("'input' must be a list like [3, H, W]", raw.key_locs.get("input", raw.loc))
    if variant is not None and variant != name:
        if variant not in variants:
            raise CnnCostError(f"unknown variant {variant!r} of {name!r}" + suggest(variant, variants),
                               variants.loc)
        _apply_variant(spec, variants[variant], variant, variants.loc)
    return spec


def _apply_variant(spec: Spec, raw: Any, variant: str, loc: Loc) -> None:
    if raw is None:
        raw = LMap()
        raw.loc, raw.key_locs = loc, {}
    if not isinstance(raw, LMap):
        raise CnnCostError(f"variant {variant!r} must be a mapping", loc)
    _check_keys(raw, VARIANT_KEYS, f"variant {variant!r}")
    spec.name = variant
    spec.title = _text(raw, "title", spec.file, spec.title)
    spec.source = _text(raw, "source", spec.file, spec.source)
    spec.notes = _text(raw, "notes", spec.file, spec.notes)
    if "input" in raw:
        spec.input = _input(raw["input"], raw.key_locs.get("input", loc))
    if "symbols" in raw:
        spec.symbols = {**spec.symbols, **_symbols(_mapping(raw, "symbols"))}
    params = _mapping(raw, "params")
    for key in params:
        if key not in spec.params:
            raise CnnCostError(f"variant {variant!r} sets unknown param {key!r}"
                               + suggest(str(key), list(spec.params)), params.key_locs.get(key, loc))
    spec.params.update(params)
