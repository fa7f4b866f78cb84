"""An on-disk cache of parsed spec files and of the zoo's name index, as JSON.

A cold ``cnncost report`` would otherwise import PyYAML and parse the spec with line marks
(~25 ms). The cache keeps each parsed document as JSON (never pickle: reading a cache file runs
no code) in ``$XDG_CACHE_HOME/cnncost`` (default ``~/.cache/cnncost``), keyed on the file's path,
the name errors show for it, its ``mtime_ns`` and its size. Any problem with the cache (a folder
that cannot be written, a corrupt, truncated or foreign file) makes it a miss: the YAML is parsed
as before and nothing fails. ``CNNCOST_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

from ..errors import Loc
from .marked import LFloat, LList, LMap

VERSION = 1  # bump when the encoding changes


class Uncacheable(Exception):
    """A value the encoding does not cover (e.g. a ``!!set``): that file is not cached."""


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off or no home is known."""
    if os.environ.get("CNNCOST_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: relative paths are invalid, ignore them
        home = os.path.expanduser("~")
        if home == "~":
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "cnncost"


def read_json(name: str) -> Any:
    """The JSON document ``name`` of the cache folder, or None (missing, unreadable, corrupt)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / name, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None


def write_json(name: str, doc: Any) -> bool:
    """Write ``doc`` atomically as ``name`` in the cache folder; False when that is not possible."""
    folder = cache_dir()
    if folder is None:
        return False
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.replace(tmp, folder / name)
        return True
    except (OSError, ValueError, RecursionError):
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


def encode(value: Any) -> Any:
    """A loaded document as plain JSON: maps ``{"m": [[key, value, line, col], ...], "at":
    [line, col]}``, sequences ``{"s": [[value, line, col], ...], "at": ...}``, floats ``{"f":
    [value, text]}``; strings, ints, bools and None as themselves."""
    if isinstance(value, LMap):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise Uncacheable(repr(key))
            loc = value.key_locs[key]
            items.append([key, encode(item), loc.line, loc.col])
        return {"m": items, "at": [value.loc.line, value.loc.col]}
    if isinstance(value, LList):
        return {"s": [[encode(v), m.line, m.col] for v, m in zip(value, value.marks, strict=True)],
                "at": [value.loc.line, value.loc.col]}
    if isinstance(value, LFloat):
        return {"f": [float(value), value.text]}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise Uncacheable(type(value).__name__)


def decode(doc: Any, file: str) -> Any:
    """The inverse of :func:`encode`, with every location in ``file``. Raises ValueError (or
    KeyError, TypeError) on anything :func:`encode` does not write."""
    if isinstance(doc, dict):
        if "f" in doc:
            return _decode_float(doc)
        line, col = doc["at"]
        if "m" in doc:
            out = LMap()
            out.loc, out.key_locs = Loc(file, _int(line), _int(col)), {}
            for key, item, kline, kcol in doc["m"]:
                if not isinstance(key, (str, int)) or isinstance(key, bool) or key in out:
                    raise ValueError("bad key")
                out[key] = decode(item, file)
                out.key_locs[key] = Loc(file, _int(kline), _int(kcol))
            return out
        seq = LList()
        seq.loc, seq.marks = Loc(file, _int(line), _int(col)), []
        for item, iline, icol in doc["s"]:
            seq.append(decode(item, file))
            seq.marks.append(Loc(file, _int(iline), _int(icol)))
        return seq
    if isinstance(doc, list) or isinstance(doc, float):
        raise ValueError("bad value")
    return doc


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("bad location")
    return value


def _decode_float(doc: dict) -> LFloat:
    value, text = doc["f"]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not isinstance(text, str):
        raise ValueError("bad float")
    out = LFloat(value)
    out.text = text
    return out


def index_name(folder: Path) -> str:
    """The cache file of the zoo index of the bundled specs in ``folder``."""
    return f"zoo-index-{_digest(str(folder))}.json"


def _entry_name(path: Path, shown: str) -> str:
    return "spec-" + _digest(f"{path}\0{shown}") + ".json"


def _digest(text: str) -> str:
    """A short name for a cache file (zlib's checksums: no hashlib/OpenSSL import on a cold
    start). Two texts sharing one is harmless: each file holds its full key, checked on read."""
    data = text.encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def load_parsed(path: Path, shown: str, stamp: tuple[int, int], parse: Any) -> Any:
    """``parse()`` (the strict YAML load of ``path``), through the cache: a cached document is
    used when it was written for this path, name and (mtime_ns, size)."""
    name = _entry_name(path, shown)
    key = [VERSION, str(path), shown, list(stamp)]
    doc = read_json(name)
    if isinstance(doc, dict) and doc.get("key") == key:
        try:
            return decode(doc["doc"], shown)
        except (KeyError, TypeError, ValueError, RecursionError):
            pass  # corrupt: parse again and overwrite
    raw = parse()
    try:
        write_json(name, {"key": key, "doc": encode(raw)})
    except (Uncacheable, RecursionError):
        pass
    return raw
