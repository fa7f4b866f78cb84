"""The cheap dispatch (cli/dispatch.py): the same values and messages as typer's own coercion,
and a numeric report that imports neither pydantic nor PyYAML once the cache is warm."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from cnncost.cli import app
from cnncost.cli.dispatch import COMMAND_MODULES, PlainParam, command_for

SAMPLES = {str: ["abc", "", "3x224x224", " x "], int: ["0", "12", "007", "-3", "x", "1.5", " 4"],
           bool: [True, False, "true", "0"]}


def _params():
    group = typer.main.get_command(app)
    for name, command in sorted(group.commands.items()):
        for param in command.params:
            yield name, param


def _outcome(runtime, value, param):
    try:
        return "ok", runtime.coerce(value, param=param, ctx=None)
    except BadParameter as exc:
        return "error", exc.message


def test_every_command_is_dispatched_by_its_module():
    assert set(COMMAND_MODULES) == set(typer.main.get_command(app).commands)


@pytest.mark.parametrize("name, param", list(_params()), ids=lambda v: getattr(v, "name", v))
def test_plain_coercion_equals_typers(name, param):
    desc = param.type_descriptor
    ann = desc.annotation
    is_list = getattr(ann, "__origin__", None) is list
    base = ann.__args__[0] if is_list else ann
    if base not in SAMPLES:
        pytest.skip(f"{ann} keeps typer's coercion")
    plain = PlainParam(base, is_list, lambda: build_runtime_param(desc))
    typer_own = build_runtime_param(desc)
    values = [None, *(([v] for v in SAMPLES[base]) if is_list else SAMPLES[base])]
    if is_list:
        values += [tuple(SAMPLES[base]), ()]
    for value in values:
        assert _outcome(plain, value, param) == _outcome(typer_own, value, param), (name, value)


def test_command_for_converts_only_the_command_run():
    assert sorted(command_for(["report", "alexnet"]).commands) == ["report"]
    assert sorted(command_for(["--help"]).commands) == sorted(COMMAND_MODULES)
    assert sorted(command_for(["reprt"]).commands) == sorted(COMMAND_MODULES)


def test_usage_errors_read_as_before(cli):
    code, _, err = cli("report", "alexnet", "--depth", "x")
    assert code == 2 and err.startswith("cnncost: error: Invalid value for '--depth'")
    assert "valid integer" in err
    code, _, err = cli("reprt", "alexnet")
    assert code == 2 and "Did you mean 'report'?" in err


PROBE = """
import contextlib, io, json, sys
from cnncost.cli import main
with contextlib.redirect_stdout(io.StringIO()) as buf:
    code = main(['report', 'resnet18', '--depth', '1', '--set', 'classes=10', '-b', '2'])
print(json.dumps([code, 'layer4' in buf.getvalue(),
                  sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml', 'rich'})]))
"""


def test_a_warm_numeric_report_imports_no_pydantic_and_no_yaml():
    runs = [subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           check=True, timeout=120) for _ in range(2)]
    first, second = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert first[:2] == [0, True] and "pydantic" not in first[2]
    assert second == [0, True, []]


def test_embed_in_a_fresh_process_runs_other_commands(tmp_path):
    """`cnncost embed` loads only its own module, yet the blocks it runs are other commands."""
    page = tmp_path / "page.md"
    page.write_text("<!-- cnncost: report alexnet --until features.0 -f markdown -->\n"
                    "<!-- /cnncost -->\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from cnncost.cli import run; run()", "embed",
                           str(page)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "| features.0 | conv" in page.read_text(encoding="utf-8").replace("  ", " ")
