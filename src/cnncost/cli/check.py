"""``cnncost check``: recompute every published figure in a ledger and give each a verdict."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ..render.check import render_check
from ..render.text import FORMATS
from .app import app, emit
from .options import Format, check_format

Ledger = Annotated[Optional[str], typer.Option(
    "--ledger", help="a ledger YAML file (default: the ledger shipped with cnncost)")]
Model = Annotated[Optional[str], typer.Option(
    "--model", "-m", help="only the entries about this model (bundled name or spec path)")]


def _about(entry: Any, model: str) -> bool:
    from pathlib import Path

    from ..verify.ledger_file import resolve_model

    def same(name: str) -> bool:
        if name == model or Path(name).name == model:
            return True
        path = Path(resolve_model(name, entry.base))
        return model.endswith((".yaml", ".yml")) and path.resolve() == Path(model).resolve()

    return any(same(m) for m in entry.models)


@app.command()
def check(ledger: Ledger = None, model: Model = None, fmt: Format = "table") -> None:
    """Recompute every published figure of the ledger: reproduced, known discrepancy or REGRESSION
    (accuracy figures are recorded with their source, not recomputed).

    Exit 1 on any regression (a figure that no longer reproduces, or a known discrepancy that
    now matches); exit 2 on a malformed ledger.
    """
    from ..errors import CnnCostError
    from ..verify.ledger import check as run_check
    from ..verify.ledger import summary
    from ..verify.ledger_file import load_ledger

    check_format(fmt, FORMATS)
    entries = load_ledger(ledger)
    if model is not None:
        entries = [e for e in entries if _about(e, model)]
        if not entries:
            raise CnnCostError(f"the ledger has no entries about model {model!r}")
    results = run_check(entries)
    emit(render_check(results, fmt))
    if not summary(results)["ok"]:
        raise typer.Exit(1)
