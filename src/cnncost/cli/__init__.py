"""The ``cnncost`` command line. Each command lives in its own module and registers on ``app``."""

from __future__ import annotations

import sys
from typing import Any

from . import app as _app_module  # the typer app; command modules register on it when imported

# `from cnncost.cli import app` gives the app with every command registered (the __getattr__
# below), while `main` imports only the module of the command it runs (see dispatch.py).
del globals()["app"]  # the submodule's name, bound by the import above


def __getattr__(name: str) -> Any:
    if name == "app":
        import importlib

        from .dispatch import COMMAND_MODULES

        for module in sorted(set(COMMAND_MODULES.values())):
            importlib.import_module(f"{__package__}.{module}")
        return _app_module.app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors print one line and exit 2, bugs exit 3."""
    from ..errors import CnnCostError, printable

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        if any("\0" in a for a in args):
            raise CnnCostError("a NUL byte in a command-line argument: "
                               + printable(next(a for a in args if "\0" in a))[:200])
        from .dispatch import command_for

        result = command_for(args).main(args=args, prog_name="cnncost", standalone_mode=False)
        if result == 130:  # typer's answer to Ctrl-C inside a command (its Exit(130))
            print("cnncost: interrupted", file=sys.stderr)
        return result if isinstance(result, int) else 0
    except (CnnCostError, OSError, MemoryError, RecursionError) as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"cnncost: error: {printable(user_message(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnncost: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit 3
        code = getattr(exc, "exit_code", None)
        if type(exc).__name__ == "Exit":
            return int(code or 0)
        if hasattr(exc, "format_message") and code is not None:  # usage errors of the CLI parser
            message = " ".join(exc.format_message().split())
            if message:  # empty: a bare `cnncost` has already printed the help
                ctx = getattr(exc, "ctx", None)
                hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
                print(f"cnncost: error: {message}{hint}", file=sys.stderr)
            return 2
        if debug:
            import traceback

            traceback.print_exc()
        else:
            print(f"cnncost: internal error: {type(exc).__name__}: {exc} — this is a bug; please "
                  "report it with the command line (run with --debug for the traceback)",
                  file=sys.stderr)
        return 3


def user_message(exc: BaseException) -> str:
    """The one line for a user error; OS errors name their path (too long, a directory, ...)."""
    if isinstance(exc, MemoryError):
        return ("out of memory: the request is too large for this machine (a smaller --batch or "
                "--input, or a lower --max-memory limit for verify)")
    if isinstance(exc, RecursionError):
        return "input nests too deeply"
    if isinstance(exc, OSError):
        path = exc.filename if exc.filename is not None else "(unknown path)"
        reason = exc.strerror or type(exc).__name__
        return f"{path}: {reason}"
    return str(exc)


#: commands that only read and print: once their output is flushed nothing is left to do
FAST_EXIT = frozenset({"report", "compare", "list", "fit", "gpus", "ops", "time", "calibration"})


def run() -> None:
    """Console-script wrapper. A read-only command whose output is flushed ends without the
    interpreter's teardown (freeing every module and object: about 15 ms of a 100 ms
    ``report``), when nothing else could still need it: no other thread, no coverage or
    profiler, no pending exception."""
    code = main()
    if _can_exit_fast():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe (| head): leave it to the normal exit
            sys.exit(code)
        import os

        os._exit(code)
    sys.exit(code)


def _can_exit_fast() -> bool:
    import threading

    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    return (bool(args) and args[0] in FAST_EXIT and threading.active_count() == 1
            and sys.gettrace() is None and sys.getprofile() is None
            and "coverage" not in sys.modules and not sys.flags.interactive)
