"""Option declarations shared by several commands."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Input = Annotated[Optional[str], typer.Option("--input", "-i", help="CxHxW, e.g. 3x224x224 or 3xHxW (symbols)")]
Batch = Annotated[str, typer.Option("--batch", "-b", help="batch size N (a number or a symbol)")]
Dtype = Annotated[str, typer.Option("--dtype", help="fp32, fp16, bf16 or int8")]
Set = Annotated[Optional[list[str]], typer.Option("--set", "-s", help="override a spec param or symbol: K=V")]
Format = Annotated[str, typer.Option("--format", "-f", help="table, markdown, json, csv or html")]
Aux = Annotated[bool, typer.Option("--aux", help="include training-only layers (auxiliary heads)")]
AuxAlias = Annotated[bool, typer.Option("--train", hidden=True, help="deprecated alias of --aux")]
Until = Annotated[Optional[str], typer.Option("--until", help="stop after this layer or block (inclusive)")]
From = Annotated[Optional[str], typer.Option("--from", help="start at this layer or block")]
Only = Annotated[Optional[str], typer.Option("--only", help="keep rows of these op types, e.g. conv,linear")]
Depth = Annotated[Optional[int], typer.Option("--depth", "-d", help="roll rows up to this many name parts")]
Exact = Annotated[bool, typer.Option("--exact", help="exact integers instead of K/M/G units")]
Backward = Annotated[bool, typer.Option(
    "--backward", help="add backward MACs and other ops per layer (weight + input gradients)")]
Symbolic = Annotated[bool, typer.Option("--symbolic", help="keep the spec's symbols (H, W, ...) symbolic")]


def aux_heads(aux: bool, train_alias: bool) -> bool:
    """``--aux``, or its deprecated alias ``--train`` (with a one-line note on stderr)."""
    if train_alias:
        typer.echo("cnncost: note: --train is deprecated here, use --aux (it includes auxiliary "
                   "heads; 'fit --train' is the training step)", err=True)
    return aux or train_alias


def split_types(only: str | None) -> list[str] | None:
    """'conv, linear' -> ['conv', 'linear']."""
    if not only:
        return None
    return [t.strip() for t in only.split(",") if t.strip()]


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    """Refuse unknown --format values with the list of choices."""
    from ..errors import CnnCostError

    if fmt not in allowed:
        raise CnnCostError(f"unknown --format {fmt!r}; choose one of {', '.join(allowed)}")
    return fmt
