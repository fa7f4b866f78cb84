"""Keep cnncost output inside Markdown files fresh: ``<!-- cnncost: ARGS -->`` blocks.

A block is an opening marker line, generated content, and a closing marker line::

    <!-- cnncost: compare alexnet vgg16 -->
    (the Markdown output of ``cnncost compare alexnet vgg16 --format markdown``)
    <!-- /cnncost -->

Markers must stand on lines of their own; markers inside fenced code blocks are ignored, so
documentation can show them. ARGS is split like a shell line (``shlex``), an optional leading
``cnncost`` is dropped, and ``--format markdown`` is added when the command takes ``--format``
and ARGS does not give one. Commands run in-process with the Markdown file's folder as the
working directory, so relative paths in ARGS (spec files, ``plot -o``) are relative to the file.

>>> doc = "<!-- cnncost: compare alexnet vgg16 -i 3x224x224 -->\\nold\\n<!-- /cnncost -->\\n"
>>> new = render_text(doc, "README.md")
>>> [cell.strip() for cell in new.splitlines()[5].split("|")[1:5]]
['vgg16', '3×224×224', '138.4M', '15.47G']
>>> render_text(new, "README.md") == new
True
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shlex
import tempfile
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from ..errors import CnnCostError

OPEN = re.compile(r"^\s*<!--\s*cnncost:(.*?)-->\s*$")
CLOSE = re.compile(r"^\s*<!--\s*/cnncost\s*-->\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ANY_MARKER = re.compile(r"<!--\s*/?cnncost\b")

# True while ``embed --check`` renders blocks: commands that write files (``plot -o``) skip it.
_DRY_RUN: ContextVar[bool] = ContextVar("cnncost_embed_dry_run", default=False)


def dry_run() -> bool:
    """Whether files other than Markdown output must not be written (``embed --check``)."""
    return _DRY_RUN.get()


@dataclass(frozen=True)
class Block:
    """One marker pair: the ARGS text, and the 0-based line indices of both marker lines."""

    args: str
    start: int
    end: int


def find_blocks(lines: list[str], file: str) -> list[Block]:
    """The blocks of a file's lines; unbalanced or nested markers raise ``FILE:LINE: ...``."""
    blocks: list[Block] = []
    open_at: int | None = None
    args = ""
    fence: str | None = None
    for i, line in enumerate(lines):
        text = line.rstrip("\r\n")
        m = FENCE.match(text)
        if m and open_at is None:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not text.strip()[len(mark):]:
                fence = None
            continue
        if fence is not None:
            continue
        if OPEN.match(text):
            if open_at is not None:
                raise CnnCostError(f"{file}:{i + 1}: nested cnncost block: the block opened at "
                                   f"line {open_at + 1} is not closed yet")
            open_at, args = i, OPEN.match(text).group(1).strip()
            if not args:
                raise CnnCostError(f"{file}:{i + 1}: empty cnncost block: write a command, e.g. "
                                   "<!-- cnncost: report alexnet -->")
        elif CLOSE.match(text):
            if open_at is None:
                raise CnnCostError(f"{file}:{i + 1}: closing <!-- /cnncost --> without an "
                                   "opening <!-- cnncost: ARGS -->")
            blocks.append(Block(args, open_at, i))
            open_at = None
        elif _ANY_MARKER.search(text):
            raise CnnCostError(f"{file}:{i + 1}: malformed cnncost marker: markers must stand "
                               "alone on a line as <!-- cnncost: ARGS --> or <!-- /cnncost -->")
    if open_at is not None:
        raise CnnCostError(f"{file}:{open_at + 1}: cnncost block is never closed "
                           "(add <!-- /cnncost -->)")
    return blocks


MAX_EMBED_BYTES = 2 * 2**20  # Markdown files embed reads (2 MiB)
_OUTPUT_OPTIONS = ("-o", "--output")


def check_outputs(argv: list[str], root: Path | None, where: str = "") -> None:
    """Refuse output paths (``plot -o``) that are absolute or leave ``root`` (the Markdown file's
    folder): a block from a pull request must not write anywhere else."""
    for i, arg in enumerate(argv):
        value = None
        if arg in _OUTPUT_OPTIONS and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2:
            value = arg[2:]
        if value is None:
            continue
        base = (root or Path.cwd()).resolve()
        target = (base / value).resolve()
        if Path(value).is_absolute() or not target.is_relative_to(base):
            raise CnnCostError(f"{where}output {value!r} is outside the Markdown file's folder "
                               f"{base}; embedded commands write only below it")


def command_argv(args: str, where: str = "", root: Path | None = None) -> list[str]:
    """ARGS of a marker -> the argv for the cnncost app, with ``--format markdown`` added."""
    try:
        argv = shlex.split(args)
    except ValueError as exc:
        raise CnnCostError(f"{where}cannot split {args!r}: {exc}") from None
    if argv and argv[0] == "cnncost":
        argv = argv[1:]
    if not argv:
        raise CnnCostError(f"{where}no command in {args!r}")
    if argv[0] == "embed":
        raise CnnCostError(f"{where}a block cannot run 'embed' itself")
    check_outputs(argv, root, where)
    given = any(a in ("--format", "-f") or a.startswith(("--format=", "-f")) for a in argv[1:])
    if not given and _takes_format(argv[0]):
        argv += ["--format", "markdown"]
    return argv


def _takes_format(name: str) -> bool:
    import typer.main

    from . import app  # the package's app: every command registered (cli/__init__.py)

    group = typer.main.get_command(app)
    command = getattr(group, "commands", {}).get(name)
    if command is None:
        return False
    return any("--format" in getattr(p, "opts", ()) for p in command.params)


def run_command(argv: list[str], cwd: Path | None = None, where: str = "") -> str:
    """Run one cnncost command in-process and return what it printed on stdout."""
    from . import app  # the package's app: every command registered (cli/__init__.py)

    buf = io.StringIO()
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(buf):
            code = app(args=argv, prog_name="cnncost", standalone_mode=False)
    except CnnCostError as exc:
        raise CnnCostError(f"{where}{exc}") from None
    except Exception as exc:  # noqa: BLE001 - usage errors of the parser carry format_message
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            raise CnnCostError(f"{where}{exc.format_message()}") from None
        raise
    finally:
        os.chdir(old)
    if isinstance(code, int) and code != 0:
        raise CnnCostError(f"{where}the command exited with status {code}")
    return buf.getvalue()


def render_text(text: str, file: str = "<text>", cwd: Path | None = None) -> str:
    """The text with every block's content regenerated (nothing is written)."""
    lines = text.splitlines(keepends=True)
    blocks = find_blocks(lines, file)
    if not blocks:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    pos = 0
    for block in blocks:
        where = f"{file}:{block.start + 1}: cnncost {block.args}: "
        output = run_command(command_argv(block.args, where, cwd), cwd, where).strip("\n")
        open_line = lines[block.start]
        if not open_line.endswith(("\n", "\r")):
            open_line += nl
        out += lines[pos:block.start] + [open_line]
        out.append(nl + nl.join(output.split("\n")) + nl + nl if output else nl)
        pos = block.end
    out += lines[pos:]
    return "".join(out)


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and ``os.replace``: never a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def markdown_files(paths: list[str | Path]) -> list[Path]:
    """Files as given; folders expand to the ``*.md`` files under them, sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.md") if q.is_file())
        elif p.is_file():
            out.append(p)
        elif p.exists() or p.is_symlink():
            raise CnnCostError(f"{p}: not a regular file (a pipe, a device or a broken link)")
        else:
            raise CnnCostError(f"no such file: {p}")
    return out


def embed_file(path: Path, check: bool = False) -> tuple[str, str]:
    """Regenerate one file's blocks. Returns (old text, new text); writes only when they differ
    and ``check`` is false."""
    size = path.stat().st_size
    if size > MAX_EMBED_BYTES:
        raise CnnCostError(f"{path}: file is {size:,} bytes, over embed's limit of "
                           f"{MAX_EMBED_BYTES:,} bytes (2 MiB)")
    if not check and path.is_symlink():
        raise CnnCostError(f"{path}: is a symbolic link; run embed on the file it points to")
    if not check and not os.access(path, os.W_OK):
        raise CnnCostError(f"{path}: file is read-only; embed will not replace it")
    try:
        old = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CnnCostError(f"{path}: not UTF-8 text ({exc.reason})") from None
    token = _DRY_RUN.set(check)
    try:
        new = render_text(old, str(path), path.parent.resolve())
    finally:
        _DRY_RUN.reset(token)
    if new != old and not check:
        write_atomic(path, new.encode("utf-8"))
    return old, new


def unified_diff(path: Path, old: str, new: str) -> str:
    """A unified diff from the file on disk to its regenerated text."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))
