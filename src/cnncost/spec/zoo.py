"""Finding specs: the bundled zoo's index by model name, and loading a spec by name or path.

>>> spec = load_spec("alexnet")
>>> spec.name, spec.input
('alexnet', [3, 'H', 'W'])
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import CnnCostError, suggest
from .schema import Spec, parse_spec
from .marked import LMap, clone

def specs_dir() -> Path:
    """Folder of the bundled spec files (inside the installed package)."""
    return Path(__file__).resolve().parents[1] / "specs"  # importlib.resources costs ~10 ms to import


def _file_models(path: Path) -> dict[str, tuple[Path, str]]:
    """The models one bundled file defines: its name and its variants."""
    raw = _load_cached(path, f"specs/{path.name}", _stamp(path))
    if not isinstance(raw, LMap):
        return {}
    base = str(raw.get("name", path.stem))
    models = {base: (path, base)}
    for variant in raw.get("variants") or {}:
        models[str(variant)] = (path, str(variant))
    return models


def zoo_index() -> dict[str, tuple[Path, str]]:
    """Model name -> (spec file, variant name) for every bundled model, variants included."""
    return dict(_zoo_index())  # a copy: the caller may edit it


@lru_cache(maxsize=None)
def _zoo_index() -> dict[str, tuple[Path, str]]:
    index: dict[str, tuple[Path, str]] = {}
    for path in sorted(specs_dir().glob("*.yaml")):
        index.update(_file_models(path))
    return index


@lru_cache(maxsize=None)
def zoo_entry(name: str) -> tuple[Path, str] | None:
    """``zoo_index().get(name)``: from the cached index file when it is fresh (one spec file
    parsed per model), else parsing only the files whose text mentions ``name`` (a model is
    defined by its name or variant key, or by the file name)."""
    index = _cached_index()
    if index is not None:
        hit = index.get(name)
        return (specs_dir() / hit[0], hit[1]) if hit else None
    entry = None
    for path in sorted(specs_dir().glob("*.yaml")):
        if name == path.stem or name in path.read_text(encoding="utf-8", errors="replace"):
            entry = _file_models(path).get(name, entry)
    return entry


def _cached_index() -> dict[str, list[str]] | None:
    """Model name -> [file name, variant] from the cache's zoo index file, rebuilt when any
    bundled file's (mtime_ns, size) changed or a file came or went; None when there is no cache
    to keep it in (then finding a model scans the files' text instead)."""
    from . import cache

    folder = specs_dir()
    stamps = {}
    with os.scandir(folder) as entries:
        for e in entries:
            if e.name.endswith(".yaml") and e.is_file():
                st = e.stat()
                stamps[e.name] = [st.st_mtime_ns, st.st_size]
    key = [cache.VERSION, str(folder), stamps]
    name = cache.index_name(folder)  # one file per installed zoo: installs do not overwrite
    doc = cache.read_json(name)
    if isinstance(doc, dict) and doc.get("key") == key and isinstance(doc.get("models"), dict):
        models = doc["models"]
        if all(isinstance(v, list) and len(v) == 2 and v[0] in stamps for v in models.values()):
            return models
    if cache.cache_dir() is None:
        return None
    models = {name: [path.name, variant] for name, (path, variant) in _zoo_index().items()}
    return models if cache.write_json(name, {"key": key, "models": models}) else None


def model_names() -> list[str]:
    """Names of all bundled models, sorted."""
    return sorted(zoo_index())


def is_path(model: str) -> bool:
    """Whether a MODEL argument names a file rather than a bundled model."""
    return model.endswith((".yaml", ".yml", ".onnx")) or "/" in model or Path(model).is_file()


SKIP_UNKNOWN = [False]  # set by the CLI's --skip-unknown: imports pass unknown ops through


def set_skip_unknown(flag: bool) -> None:
    """Whether loading an ``.onnx`` MODEL passes unsupported ops through (``--skip-unknown``)."""
    SKIP_UNKNOWN[0] = bool(flag)


def _stamp(path: Path) -> tuple[int, int]:
    """What says a file changed: its modification time in nanoseconds and its size (a float
    mtime can miss a rewrite within one clock tick of a coarse filesystem)."""
    st = path.stat()
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=256)
def _load_cached(path: Path, shown: str, stamp: tuple[int, int]) -> Any:
    from .cache import load_parsed

    def parse() -> Any:
        from .yamlio import load_file

        return load_file(path, shown)

    return load_parsed(path, shown, stamp, parse)


def load_spec(model: str | Path) -> Spec:
    """Load a bundled model by name (``vgg16``) or a spec file by path (``net.yaml``)."""
    text = str(model)
    if text.lower().endswith(".onnx"):
        from ..importers import from_onnx

        return from_onnx(text, skip_unknown=SKIP_UNKNOWN[0])
    if isinstance(model, Path) or is_path(text):
        path = Path(text)
        if not path.is_file():
            if path.exists():
                kind = "a directory" if path.is_dir() else "not a regular file"
                raise CnnCostError(f"{text} is {kind}; give a .yaml spec file")
            raise CnnCostError(f"no such spec file: {text}")
        raw = _load_cached(path.resolve(), text, _stamp(path))
        variant = None
    else:
        entry = zoo_entry(text)
        if entry is None:
            raise CnnCostError(f"unknown model {text!r}" + suggest(text, list(zoo_index()))
                               + "; 'cnncost list' shows all")
        path, variant = entry
        raw = _load_cached(path, f"specs/{path.name}", _stamp(path))
    # the parse is memoised: the spec gets its own copy, so a caller editing it cannot change
    # what the next load returns
    spec = parse_spec(clone(raw), f"specs/{path.name}" if variant else text, variant)
    return spec
