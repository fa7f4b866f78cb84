"""Recovering repeated structure: scopes that differ only in numbers become one block with
arguments, and runs of identical calls named 0, 1, 2, ... become a ``repeat``.

A torchvision ResNet-50 has 16 bottleneck scopes of two shapes (with and without a projection
shortcut): they become two blocks whose arguments are the widths and the stride, called from
four stages, each a first call and a ``repeat``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

STRUCT = ("seq", "residual", "parallel", "repeat", "name", "body", "shortcut", "branches")


def _op_key(item: dict) -> str | None:
    keys = [k for k in item if k != "name"]
    if len(keys) == 1 and keys[0] not in STRUCT and isinstance(item[keys[0]], dict):
        return keys[0]
    return None


def _walk(value: Any, visit: Any) -> Any:
    """Rebuild ``value``; ``visit(item)`` may replace op/call items (dicts with an op key)."""
    if isinstance(value, list):
        return [_walk(v, visit) for v in value]
    if isinstance(value, dict):
        if _op_key(value) is not None:
            return visit(value)
        return {k: _walk(v, visit) for k, v in value.items()}
    return value


def _leaves(body: list) -> list:
    out: list = []

    def visit(item: dict) -> dict:
        out.extend(item[_op_key(item)].values())
        return item

    _walk(body, visit)
    return out


def _template(body: list) -> str:
    def visit(item: dict) -> dict:
        key = _op_key(item)
        return {key: {k: "#" for k in item[key]}, "name": item.get("name")}

    return json.dumps(_walk(body, visit), sort_keys=False)


def _seqs(value: Any, out: list, prefix: str = "") -> int:
    """Collect every ``seq`` item as (height, item, path), height 1 = no seq inside; returns
    the height of ``value``."""
    height = 0
    if isinstance(value, list):
        for v in value:
            height = max(height, _seqs(v, out, prefix))
    elif isinstance(value, dict):
        scoped = "seq" in value and "name" in value
        inner = f"{prefix}{value['name']}." if scoped else prefix
        if "shortcut" in value:
            height = _seqs(value.get("body"), out, inner)
            height = max(height, _seqs(value["shortcut"], out, inner + "downsample."))
        else:
            for k, v in value.items():
                height = max(height, _seqs(v, out, inner))
        if scoped:
            height += 1
            out.append((height, value, inner[:-1]))
    return height


class _Compactor:
    def __init__(self, doc: dict[str, Any], names: dict[str, str] | None):
        self.doc, self.blocks = doc, {}
        self.hint = names or {}
        self.paths: dict[int, str] = {}

    def run(self) -> dict[str, Any]:
        for level in range(1, 32):
            found: list = []
            _seqs(self.doc["layers"], found)
            batch = [(s, p) for h, s, p in found if h == level]
            if not found or level > max(h for h, _, _ in found):
                break
            groups: dict[str, list] = {}
            for s, p in batch:
                self.paths[id(s)] = p
                groups.setdefault(_template(s["seq"]), []).append(s)
            for members in groups.values():
                if len(members) >= 2:
                    self.make_block(members)
        self.doc["layers"] = _repeats(self.doc["layers"])
        for block in self.blocks.values():
            block["body"] = _repeats(block["body"])
        if self.blocks:
            layers = self.doc.pop("layers")
            self.doc["blocks"] = self.blocks
            self.doc["layers"] = layers
        return self.doc

    def block_name(self, members: list) -> str:
        from .ir import word

        classes = {self.hint.get(self.paths.get(id(m), ""), "") for m in members}
        base = word(classes.pop()).lower() if len(classes) == 1 and "" not in classes else ""
        if not base:
            base = "block"
        name, i = base, 1
        while name in self.blocks or base == "block" and i == 1:
            i += 1
            name = f"{base}{i - 1}" if base == "block" else f"{base}_{i}"
        return name

    def make_block(self, members: list) -> None:
        columns = list(zip(*(_leaves(m["seq"]) for m in members)))
        keys = _leaf_keys(members[0]["seq"])
        args: dict[tuple, str] = {}
        names: list[Any] = []
        used: Counter = Counter()
        for col, key in zip(columns, keys):
            if all(json.dumps(v) == json.dumps(col[0]) for v in col):
                names.append(None)
                continue
            sig = tuple(json.dumps(v) for v in col)
            if sig not in args:
                taken = set(args.values())
                name = key
                while name in taken:
                    used[key] += 1
                    name = f"{key}{used[key] + 1}"
                args[sig] = name
            names.append((args[sig], col))
        name = self.block_name(members)
        defaults = {}
        for sig, arg in args.items():
            common, count = Counter(sig).most_common(1)[0]
            defaults[arg] = json.loads(common) if count * 2 > len(members) else None
        it = iter(names)

        def visit(item: dict) -> dict:
            key = _op_key(item)
            new = {k: (v if (slot := next(it)) is None else slot[0]) for k, v in
                   item[key].items()}
            return {key: new, **({"name": item["name"]} if "name" in item else {})}

        body = _walk(members[0]["seq"], visit)
        self.blocks[name] = {"args": defaults, "body": body} if defaults else {"body": body}
        for i, member in enumerate(members):
            call = {}
            for sig, arg in args.items():
                value = json.loads(sig[i])
                if value != defaults[arg]:
                    call[arg] = value
            label = member["name"]
            member.clear()
            member.update({name: call, "name": label})


def _leaf_keys(body: list) -> list[str]:
    out: list[str] = []

    def visit(item: dict) -> dict:
        out.extend(str(k) for k in item[_op_key(item)])
        return item

    _walk(body, visit)
    return out


def _repeats(items: Any) -> Any:
    """Runs of items equal but for their names 0, 1, 2, ... -> ``repeat`` (applied deeply)."""
    if isinstance(items, dict):
        return {k: _repeats(v) for k, v in items.items()}
    if not isinstance(items, list):
        return items
    items = [_repeats(v) for v in items]
    out: list = []
    i = 0
    while i < len(items):
        j = i + 1
        while j < len(items) and _next_in_run(items[i], items[j], j - i):
            j += 1
        if j - i >= 2 and _op_key(items[i]) is not None:
            start = int(items[i]["name"])
            body = {**items[i], "name": f"{{i + {start}}}" if start else "{i}"}
            out.append({"repeat": {"n": j - i, "var": "i", "body": [body]}})
        else:
            j = i + 1
            out.append(items[i])
        i = j
    return out


def _next_in_run(first: Any, other: Any, offset: int) -> bool:
    if not (isinstance(first, dict) and isinstance(other, dict)):
        return False
    name = first.get("name")
    if not (isinstance(name, str) and name.isdigit() and other.get("name") == str(int(name)
                                                                                 + offset)):
        return False
    strip = lambda d: {k: v for k, v in d.items() if k != "name"}  # noqa: E731
    return strip(first) == strip(other)


def compact_spec(doc: dict[str, Any], names: dict[str, str] | None = None) -> dict[str, Any]:
    """``doc`` with repeated scopes as blocks and runs as repeats (``names``: scope -> block)."""
    return _Compactor(doc, names).run()
