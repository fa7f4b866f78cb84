"""The containers a loaded spec is made of: mappings, sequences and floats that remember where
in the file they were written. No YAML here: a spec read back from the parse cache
(:mod:`cnncost.spec.cache`) is rebuilt from these without importing PyYAML."""

from __future__ import annotations

from typing import Any

from ..errors import Loc


class LMap(dict):
    """A dict that knows its location and each key's location."""

    loc: Loc
    key_locs: dict


class LList(list):
    """A list that knows its location and each item's location."""

    loc: Loc
    marks: list


class LFloat(float):
    """A float that remembers how it was written ("11.30"), for values compared to the printed
    digit (the ledger); otherwise a plain float."""

    text: str


def clone(value: Any) -> Any:
    """A copy of a loaded document that shares no container with it (scalars are immutable and
    shared), with its location marks; several times faster than ``copy.deepcopy``."""
    if isinstance(value, LMap):
        out = LMap((k, clone(v)) for k, v in value.items())
        out.loc, out.key_locs = value.loc, dict(value.key_locs)
        return out
    if isinstance(value, LList):
        copied = LList(clone(v) for v in value)
        copied.loc, copied.marks = value.loc, list(value.marks)
        return copied
    if isinstance(value, (list, dict, set)):  # !!set, !!omap and the like: rare
        import copy

        return copy.deepcopy(value)
    return value
