"""``cnncost ops``: the op registry as a table (name, arguments with defaults, summary).

The op table of docs/spec-format.md is this command's output (an embed block), so it cannot
drift from the registry.
"""

from __future__ import annotations

from typing import Any

from ..render.text import FORMATS
from .app import app, emit
from .options import Format, check_format

HEADERS = ["op", "arguments (defaults)", "aliases", "summary"]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def op_entries() -> list[dict[str, Any]]:
    """One dict per registered op, in registry order."""
    from ..ops import OPS, REQUIRED

    out = []
    for name, op in OPS.items():
        args = [k if v is REQUIRED or v is None else f"{k}: {_value(v)}" for k, v in op.args.items()]
        literals = {k: sorted(v) for k, v in op.literals.items()}
        out.append({"op": name, "args": args, "aliases": dict(op.aliases), "literals": literals,
                    "merge": op.is_merge, "summary": op.summary})
    return out


@app.command("ops")
def list_ops(fmt: Format = "table") -> None:
    """List every op a spec may use: its arguments with their defaults and what it computes."""
    check_format(fmt, FORMATS)
    entries = op_entries()
    if fmt == "json":
        import json

        emit(json.dumps(entries, indent=2))
        return
    from ..render.text import tabular

    code = (lambda s: f"`{s}`") if fmt == "markdown" else (lambda s: s)
    rows = [[code(e["op"]), ", ".join(code(a) for a in e["args"]) or "—",
             ", ".join(f"{code(k)} → {code(v)}" for k, v in e["aliases"].items()) or "—",
             e["summary"] + (" (a merge: `merge:` of parallel/residual)" if e["merge"] else "")]
            for e in entries]
    emit(tabular(HEADERS, rows, fmt, title="cnncost ops" if fmt == "html" else ""))
