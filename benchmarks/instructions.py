"""Instructions per in-process analysis, counted by valgrind: a figure a noisy machine cannot move.

``python benchmarks/instructions.py [MODEL] [--src DIR]`` runs ``analyze(MODEL)`` N and N+K times
in two processes under ``valgrind --tool=callgrind`` and prints the difference divided by K: the
instructions one call executes, without the interpreter's start-up, the imports or the first
call's cold caches. Use it to compare two source trees (``--src other-checkout/src``) when wall
times on a shared machine drift by more than the change being measured. Needs ``valgrind``;
not a unit test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CHILD = """
import os, sys
sys.path.insert(0, os.environ["CNNCOST_SRC"])
from cnncost import analyze
for _ in range(int(os.environ["CALLS"])):
    analyze(os.environ["MODEL"])
"""


def collected(calls: int, env: dict[str, str]) -> int:
    """Instructions (callgrind's ``Ir``) of one process making ``calls`` analyses."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", CHILD], env={**env, "CALLS": str(calls)},
                         capture_output=True, text=True, check=True)
    found = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
    if found is None:
        raise RuntimeError(f"no callgrind summary in: {run.stderr[-400:]}")
    return int(found.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="resnet152")
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src",
                    help="the source tree to measure (default: this checkout's src/)")
    ap.add_argument("--calls", type=int, default=50, help="K, the extra calls counted")
    args = ap.parse_args()
    if not (args.src / "cnncost" / "__init__.py").is_file():
        print(f"instructions.py: {args.src} holds no cnncost package (give a src/ folder)",
              file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("instructions.py needs valgrind", file=sys.stderr)
        return 2
    env = {**os.environ, "CNNCOST_SRC": str(args.src.resolve()), "MODEL": args.model,
           "PYTHONHASHSEED": "0"}  # the same dict layouts in both processes
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    first = subprocess.run([sys.executable, "-c", CHILD], env={**env, "CALLS": "1"},
                           capture_output=True, text=True)  # also writes the .pyc files
    if first.returncode:
        lines = first.stderr.strip().splitlines() or ["(no message)"]
        print(f"instructions.py: analyze({args.model!r}) failed: {lines[-1]}", file=sys.stderr)
        return 2
    base = collected(10, env)
    more = collected(10 + args.calls, env)
    print(f"{args.model}: {(more - base) / args.calls / 1e6:.2f} M instructions per analyze() "
          f"({args.src})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
