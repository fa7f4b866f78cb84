"""``cnncost embed``: regenerate ``<!-- cnncost: ARGS -->`` blocks in Markdown files."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .app import app, emit


@app.command()
def embed(
    files: Annotated[list[str], typer.Argument(help="Markdown files, or folders (their *.md)")],
    check: Annotated[bool, typer.Option("--check", help="write nothing; exit 1 with a diff when "
                                                        "a file is stale (for CI)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress on stderr")] = False,
) -> None:
    """Fill every <!-- cnncost: ARGS --> ... <!-- /cnncost --> block with that command's
    Markdown output. Idempotent; each file is replaced atomically or not at all."""
    from .embedding import embed_file, markdown_files, unified_diff

    paths = markdown_files(files)
    stale: list[str] = []
    for i, path in enumerate(paths, 1):
        old, new = embed_file(path, check)
        changed = old != new
        if changed:
            stale.append(str(path))
            if check:
                emit(unified_diff(path, old, new).rstrip("\n"))
        if not quiet and (len(paths) > 1 or changed):
            state = ("stale" if check else "updated") if changed else "up to date"
            print(f"cnncost embed: [{i}/{len(paths)}] {path}: {state}", file=sys.stderr, flush=True)
    if check and stale:
        print(f"cnncost embed: {len(stale)} of {len(paths)} file(s) stale; run "
              f"'cnncost embed {' '.join(stale)}' to update", file=sys.stderr)
        raise typer.Exit(1)
