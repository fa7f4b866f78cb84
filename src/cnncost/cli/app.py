"""The typer application object shared by the command modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Analytic cost calculator for convolutional networks: shapes, params, MACs, memory.",
)


def emit(text: str) -> None:
    """Print command output (one place, so tests and embedding see the same text)."""
    typer.echo(text)
