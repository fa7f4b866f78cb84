"""The ``cnncost`` command line. Each command lives in its own module and registers on ``app``."""

from __future__ import annotations

import sys
import traceback

from .app import app

# Importing a command module registers its commands on ``app``.
from . import report as _report  # noqa: F401,E402
from . import fit as _fit  # noqa: F401,E402
from . import verify as _verify  # noqa: F401,E402
from . import check as _check  # noqa: F401,E402
from . import sweep as _sweep  # noqa: F401,E402
from . import embed as _embed  # noqa: F401,E402
from . import ops as _ops  # noqa: F401,E402
from . import plot as _plot  # noqa: F401,E402
from . import importcmd as _importcmd  # noqa: F401,E402
from . import time as _time  # noqa: F401,E402

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors print one line and exit 2, bugs exit 3."""
    from ..errors import CnnCostError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        result = app(args=args, prog_name="cnncost", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except CnnCostError as exc:
        if debug:
            traceback.print_exc()
        print(f"cnncost: error: {exc}", file=sys.stderr)
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
            traceback.print_exc()
        else:
            print(f"cnncost: internal error: {type(exc).__name__}: {exc} — this is a bug; please "
                  "report it with the command line (run with --debug for the traceback)",
                  file=sys.stderr)
        return 3


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())
