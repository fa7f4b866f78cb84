"""Property test: mutated bundled specs end in a report (exit 0) or one clean error line (exit 2).

Mutations: delete, duplicate, rename, retype and perturb keys and values of the loaded YAML, or
edit the text itself (truncate, delete/duplicate a line, insert junk). Every run must finish within
the hypothesis deadline and must never end in an uncaught exception or exit 3 (internal error).
The run is derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

from collections import Counter
import contextlib
import copy
from datetime import timedelta
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncost.spec.zoo import specs_dir  # noqa: E402

SPEC_FILES = sorted(specs_dir().glob("*.yaml")) + sorted(specs_dir().glob("examples/*.yaml"))

# values a careless or hostile editor might put anywhere
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 3, 1.5, -0.0, 1e308, float("inf"), 10**30, "", "abc", "same",
    "in.c", "in.c // 0", "9**9**9", "2**64 * 2**64", "[1] * 1000000000", "__import__('os')",
    "min()", "(lambda: 1)()", "x" * 500, [], {}, [1, 2, 3], [[1]], {"k": 3}, {"c": None},
    "1e-4", "H", "depths[9]", "1 if H > 3 else 2",
]

OPTION_SETS: list[list[str]] = [
    [], ["--input", "3x64x64"], ["--input", "3xHxW"], ["--input", "1x7x7"], ["--batch", "2"],
    ["--batch", "0"], ["--dtype", "fp16"], ["--dtype", "fp12"], ["--symbolic"],
    ["--set", "classes=10"], ["--set", "classes=x"], ["--set", "nosuch=1"], ["--format", "json"],
    ["--format", "csv"], ["--depth", "1"], ["--until", "0"], ["--only", "conv"], ["--exact"],
]


@pytest.fixture(scope="module")
def originals() -> dict[Path, tuple[str, Any]]:
    """Text and plain-YAML data of each bundled spec (the bundled files have no aliases)."""
    out = {}
    for path in SPEC_FILES:
        text = path.read_text(encoding="utf-8")
        out[path] = (text, yaml.safe_load(text))
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indexes) to a node of a YAML document."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, prefix + (i,))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _perturb(value: Any, draw: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
    return draw(st.sampled_from([value + 1, value - 1, -value, 0, value * 1000, value / 2,
                                 value * 10**9]))


def mutate_data(data: Any, draw: Any) -> Any:
    """Apply 1-3 structural mutations to a deep copy of ``data``."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            return data
        path = draw(st.sampled_from(paths))
        parent, last = _parent(data, path), path[-1]
        kind = draw(st.sampled_from(["delete", "duplicate", "rename", "retype", "perturb"]))
        if kind == "delete":
            del parent[last]
        elif kind == "duplicate":
            if isinstance(parent, list):
                parent.insert(last, copy.deepcopy(parent[last]))
            else:
                parent[f"{last}_copy"] = copy.deepcopy(parent[last])
        elif kind == "rename" and isinstance(parent, dict) and isinstance(last, str) and last:
            cut = draw(st.integers(0, len(last) - 1))
            parent[last[:cut] + last[cut + 1:] or "x"] = parent.pop(last)
        elif kind == "retype":
            parent[last] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        else:
            parent[last] = _perturb(parent[last], draw)
    return data


def mutate_text(text: str, draw: Any) -> str:
    """Edit the file text: truncate, drop or repeat a line, or insert junk characters."""
    kind = draw(st.sampled_from(["truncate", "drop-line", "repeat-line", "insert"]))
    if kind == "truncate":
        return text[:draw(st.integers(0, len(text)))]
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "drop-line":
        return "".join(lines[:i] + lines[i + 1:])
    if kind == "repeat-line":
        return "".join(lines[:i + 1] + lines[i:])
    junk = draw(st.sampled_from(["\t", ":", "- ", "{", "]", "&a ", "*a", "!!python/name:os.system",
                                 "\x00", "\ufffe", "'", '"', "#", "---\n", "  ", "? "]))
    at = draw(st.integers(0, len(text)))
    return text[:at] + junk + text[at:]


def run_cli(args: list[str]) -> tuple[int, str, str]:
    from cnncost.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def test_mutated_specs_end_in_a_report_or_a_clean_error(originals, workdir):
    seen: Counter[int] = Counter()

    @settings(max_examples=120, deadline=timedelta(seconds=10), derandomize=True,
              suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(data=st.data())
    def check(data: Any) -> None:
        source = data.draw(st.sampled_from(SPEC_FILES), label="spec")
        text, loaded = originals[source]
        if data.draw(st.booleans(), label="text edit"):
            mutated = mutate_text(text, data.draw)
        else:
            mutated = yaml.safe_dump(mutate_data(loaded, data.draw), sort_keys=False,
                                     allow_unicode=True)
        path = workdir / source.name
        path.write_text(mutated, encoding="utf-8")
        options = data.draw(st.sampled_from(OPTION_SETS), label="options")
        code, out, err = run_cli(["report", str(path), *options])
        seen[code] += 1
        assert code in (0, 2), f"exit {code}: {err}"
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("cnncost: error: "), err
            assert out == ""
        else:
            assert out.strip(), "a successful run prints a report"

    check()
    # the fuzzer is neither a no-op nor a wrecking ball: some mutants still analyze, some fail
    assert seen[0] > 0 and seen[2] > 0, seen
