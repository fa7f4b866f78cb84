"""Record (or compare) cnncost's JSON output for every bundled model: the refactor guard.

    PYTHONPATH=src python scripts/snapshot.py            # write tests/data/snapshot.json.gz
    PYTHONPATH=src python scripts/snapshot.py --check    # compare the current output to it

Per model it records ``report --format json`` at the default input and at ``--input 3x193x257``,
and ``fit --gpu v100-16gb --train --batch 32 --format json``; once, ``check --format json``.
A command that fails records its exit code and error text instead of JSON.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parents[1] / "tests" / "data" / "snapshot.json.gz"
COMMANDS: dict[str, list[str]] = {
    "report": ["report", "{model}", "--format", "json"],
    "report_193x257": ["report", "{model}", "--input", "3x193x257", "--format", "json"],
    "fit_train": ["fit", "{model}", "--gpu", "v100-16gb", "--train", "--batch", "32",
                  "--format", "json"],
}


def run_cli(args: list[str]) -> dict[str, Any]:
    """Run ``cnncost ARGS`` in-process: ``{"json": ...}`` or ``{"exit": n, "error": text}``."""
    from cnncost.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    if code in (0, 1):
        try:
            return {"exit": code, "json": json.loads(out.getvalue())}
        except json.JSONDecodeError:
            pass
    return {"exit": code, "error": err.getvalue().strip()}


def model_outputs(model: str) -> dict[str, Any]:
    """Every recorded command's output for one model."""
    return {key: run_cli([a.format(model=model) for a in args]) for key, args in COMMANDS.items()}


def record() -> dict[str, Any]:
    """The whole snapshot: per model outputs plus the ledger check."""
    from cnncost import model_names

    return {"models": {m: model_outputs(m) for m in model_names()},
            "check": run_cli(["check", "--format", "json"])}


def load() -> dict[str, Any]:
    """The committed snapshot."""
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where ``new`` differs from ``old``; keys ``new`` adds are allowed, changed or lost ones not."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{path}: was an object, now {new!r:.80}"]
        diffs = []
        for key, value in old.items():
            if key not in new:
                diffs.append(f"{path}.{key}: missing")
            else:
                diffs.extend(differences(value, new[key], f"{path}.{key}"))
        return diffs
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{path}: list of {len(old)} became {new!r:.80}"]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{path}[{i}]")]
    if old != new or type(old) is not type(new):
        return [f"{path}: {old!r:.80} became {new!r:.80}"]
    return []


def check_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Ledger results compared entry by entry (by id): other branches may add entries."""
    if "json" not in old:
        return differences(old, new, "check")
    if "json" not in new:
        return [f"check: now fails: {new.get('error')}"]
    current = {e["id"]: e for e in new["json"]["entries"]}
    diffs = []
    for entry in old["json"]["entries"]:
        if entry["id"] not in current:
            diffs.append(f"check.{entry['id']}: missing")
        else:
            diffs.extend(differences(entry, current[entry["id"]], f"check.{entry['id']}"))
    return diffs


def main(argv: list[str]) -> int:
    if "--check" in argv:
        snap = load()
        diffs = check_differences(snap["check"], run_cli(["check", "--format", "json"]))
        for model, outputs in snap["models"].items():
            diffs.extend(differences(outputs, model_outputs(model), model))
        print("\n".join(diffs) or "snapshot: identical")
        return 1 if diffs else 0
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(record(), sort_keys=True, separators=(",", ":"))
    with gzip.GzipFile(SNAPSHOT, "wb", mtime=0) as fh:
        fh.write(data.encode("utf-8"))
    print(f"wrote {SNAPSHOT} ({SNAPSHOT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
