"""Strict YAML loading: safe constructors only, no aliases, no duplicate keys, line marks kept.

Mappings load as :class:`LMap` and sequences as :class:`LList`; both remember where they started
(and ``LList.marks`` where each item started) so errors can name file, line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import CnnCostError, Loc
from .marked import LFloat, LList, LMap, clone  # noqa: F401 - re-exported

MAX_FILE_BYTES = 1 << 20
MAX_NODES = 200_000

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loc(file: str, node: yaml.Node) -> Loc:
    return Loc(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    file = "<spec>"


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LMap:
    out = LMap()
    out.loc = _loc(loader.file, node)
    out.key_locs = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float)) or isinstance(key, bool):
            key = str(key) if isinstance(key, bool) else key
            if not isinstance(key, (str, int, float)):
                raise CnnCostError("mapping keys must be plain words", _loc(loader.file, key_node))
        if key in out:
            raise CnnCostError(f"duplicate key {key!r}", _loc(loader.file, key_node))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_locs[key] = _loc(loader.file, key_node)
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LList:
    out = LList(loader.construct_object(child, deep=True) for child in node.value)
    out.loc = _loc(loader.file, node)
    out.marks = [_loc(loader.file, child) for child in node.value]
    return out


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        raise CnnCostError("integer is too long", _loc(loader.file, node)) from None


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> LFloat:
    out = LFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    out.text = str(node.value)
    return out


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _check_nodes(file: str, root: yaml.Node) -> None:
    """Reject aliases (shared nodes) and oversized documents before constructing anything."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise CnnCostError("YAML aliases (*name) are not allowed in spec files", _loc(file, node))
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise CnnCostError(f"spec file is too large (over {MAX_NODES} YAML nodes)", Loc(file))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def loads(text: str, file: str = "<spec>", max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Parse YAML text strictly; raise CnnCostError with a location on any problem.
    ``max_bytes``: a larger bound for specs generated from model files."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise CnnCostError(f"file is larger than {max_bytes // 1024} KiB", Loc(file))
    loader = _Loader(text)
    loader.file = file
    try:
        root = loader.get_single_node()
        if root is None:
            raise CnnCostError("file is empty", Loc(file))
        _check_nodes(file, root)
        return loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(file, mark.line + 1, mark.column + 1) if mark else Loc(file)
        what = (exc.problem or exc.context or "invalid YAML").strip()
        raise CnnCostError(f"YAML error: {what}", loc) from None
    except yaml.YAMLError as exc:
        raise CnnCostError(f"YAML error: {exc}".splitlines()[0], Loc(file)) from None
    except RecursionError:
        raise CnnCostError("YAML is nested too deeply", Loc(file)) from None
    finally:
        loader.dispose()


def load_file(path: Path, shown: str | None = None) -> Any:
    """Read a UTF-8 YAML file strictly; errors name the file as ``shown`` (default the path)."""
    name = shown or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CnnCostError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB", Loc(name))
        raw = path.read_bytes()
    except OSError as exc:
        raise CnnCostError(f"cannot read file: {exc.strerror or exc}", Loc(name)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CnnCostError(f"file is not UTF-8 (bad byte at offset {exc.start})", Loc(name)) from None
    return loads(text, name)
