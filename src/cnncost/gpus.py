"""The GPU catalog shipped as data (``data/gpus.yaml``) and memory sizes such as ``12GiB``.

>>> gpus()["v100-16gb"]["memory"] == 16 * 2**30
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .errors import CnnCostError, suggest

#: CUDA context + cuDNN/cuBLAS handles and kernels, outside the allocator; measured 777 MiB on
#: an H100 with torch 2.11 / CUDA 13 / cuDNN 9.19 (docs/memory.md); a catalog entry may override
CONTEXT_BYTES = 800 * 2**20

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10,
          "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(text: str | int) -> int:
    """``"12GiB"`` -> 12884901888; decimal units (GB) are powers of ten, IEC units (GiB) of two.

    >>> parse_size("512MiB"), parse_size("1.5GB"), parse_size(4096)
    (536870912, 1500000000, 4096)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        size = text
        if size >= 2**64:
            raise CnnCostError(f"memory size {text} is too large (limit 2**64 bytes)")
    else:
        s = str(text).strip().lower().replace(" ", "")
        num = s.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = s[len(num):]
        try:
            value = float(num)
        except ValueError:
            value = -1.0
        ok = unit in _UNITS and 0 < value < float("inf")  # also refuses nan
        if ok and not value * _UNITS[unit] < 2.0**64:
            raise CnnCostError(f"memory size {text!r} is too large (limit 2**64 bytes)")
        size = int(value * _UNITS[unit]) if ok else 0
    if size < 1:  # "0.5B" would be no memory at all
        raise CnnCostError(f"cannot read memory size {text!r}; write e.g. 12GiB, 16GB or 512MiB")
    return size


def gpus() -> dict[str, dict[str, Any]]:
    """The bundled GPU catalog (``data/gpus.yaml``), memory and context in bytes (a fresh copy:
    changing it leaves the catalog alone)."""
    return {name: dict(entry) for name, entry in _catalog().items()}


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, Any]]:
    from importlib.resources import files

    import yaml

    raw = yaml.safe_load((files("cnncost") / "data" / "gpus.yaml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        out[name] = {**entry, "memory": parse_size(entry["memory"]),
                     "context": parse_size(entry.get("context", CONTEXT_BYTES))}
    return out


def find_gpu(name: str) -> dict[str, Any]:
    """A catalog entry by name (a clear error with suggestions otherwise)."""
    catalog = _catalog()
    if name not in catalog:
        raise CnnCostError(f"unknown GPU {name!r}" + suggest(name, list(catalog))
                           + "; see `cnncost gpus`, or give --memory 12GiB")
    return dict(catalog[name])
