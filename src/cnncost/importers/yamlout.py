"""A compact, deterministic YAML writer for generated specs: one flow-style line per layer."""

from __future__ import annotations

from typing import Any

import yaml

WIDTH = 100


def scalar(value: Any) -> str:
    """One YAML scalar, quoted when needed (``1e-05`` stays a float: ``1.0e-05``)."""
    if value is None:
        return "~"
    if isinstance(value, str) and any(c in value for c in ",[]{}#:&*!|>'\"%@`"):
        import json

        return json.dumps(value)  # a double-quoted YAML scalar, safe in flow context
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30).strip()
    if text.endswith("..."):
        text = text[:-3].strip()
    return text


def flow(value: Any) -> str:
    """A value in flow style: ``{conv: {c: 64, k: 3}, name: conv1}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _inline(value: Any, indent: int) -> bool:
    return _depth(value) <= 2 and indent + len(flow(value)) <= WIDTH or _depth(value) <= 1 \
        and not (isinstance(value, (list, tuple)) and value and isinstance(value[0], dict))


def block(value: Any, indent: int = 0) -> list[str]:
    """Lines of ``value`` in block style (small parts inline)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v and not _inline(v, indent + len(str(k)) + 2):
                lines.append(f"{pad}{scalar(k)}:")
                lines.extend(block(v, indent + (0 if isinstance(v, list) else 2)))
            else:
                lines.append(f"{pad}{scalar(k)}: {flow(v)}")
        return lines
    for item in value:
        if _inline(item, indent + 2):
            lines.append(f"{pad}- {flow(item)}")
            continue
        inner = block(item, indent + 2)
        inner[0] = f"{pad}- {inner[0][indent + 2:]}"
        lines.extend(inner)
    return lines


def dump(doc: dict[str, Any], header: str = "") -> str:
    """The YAML text of a spec document."""
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    return "\n".join(lines + block(doc)) + "\n"
