"""The size budget: no module over 400 lines, no function over 60 lines.

    python scripts/check_size.py [PATH ...]      # default: src/cnncost, scripts, benchmarks

Data tables are exempt only when listed in ALLOW below, each with its reason; an entry that no
longer needs its exemption is reported too, so the list cannot go stale.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["src/cnncost", "scripts", "benchmarks"]
MAX_MODULE, MAX_FUNCTION = 400, 60

#: "path" (a module) or "path::function" -> why it may exceed the budget (data tables only)
ALLOW: dict[str, str] = {
}


def functions(tree: ast.AST) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function, methods and nested functions included."""
    out: list[tuple[str, int]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                out.append((name, child.end_lineno - first + 1))
                walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
    walk(tree, "")
    return out


def problems(paths: list[Path]) -> tuple[list[str], set[str]]:
    """Over-budget modules and functions (not allowed), and the allow-list keys that were used."""
    found, used = [], set()
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE:
            (used.add(rel) if rel in ALLOW else
             found.append(f"{rel}: {lines} lines (the budget is {MAX_MODULE})"))
        for name, size in functions(ast.parse(text)):
            key = f"{rel}::{name}"
            if size > MAX_FUNCTION:
                (used.add(key) if key in ALLOW else
                 found.append(f"{key}: {size} lines (the budget is {MAX_FUNCTION})"))
    return found, used


def python_files(args: list[str]) -> list[Path]:
    files: list[Path] = []
    for arg in args or DEFAULT:
        path = (ROOT / arg).resolve()
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f for f in files if "__pycache__" not in f.parts]


def main(argv: list[str]) -> int:
    found, used = problems(python_files(argv))
    if not argv:
        found += [f"{key}: allowed ({ALLOW[key]}) but within the budget now; drop it from ALLOW"
                  for key in sorted(set(ALLOW) - used)]
    for line in found:
        print(f"check_size: {line}")
    print(f"check_size: {'FAILED' if found else 'ok'} (modules <= {MAX_MODULE} lines, "
          f"functions <= {MAX_FUNCTION} lines)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
