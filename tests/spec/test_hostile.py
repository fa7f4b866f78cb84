"""Hostile input: spec files and command lines that try to run code must be refused, and run nothing.

The payloads create a marker file when executed; the control test shows that they really do when
given to Python's ``exec``, so a missing marker after cnncost refused them proves nothing ran.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

HEAD = "name: t\ninput: [3, 8, 8]\n"


def payloads(mark: Path) -> list[str]:
    """Python snippets that would create ``mark`` if anything evaluated them."""
    return [
        f"__import__('os').system('touch {mark}')",
        f"open('{mark}', 'w')",
        f"(lambda: __import__('os').system('touch {mark}'))()",
        f"exec(\"open('{mark}', 'w')\")",
        f"eval(\"open('{mark}', 'w')\")",
        f"[open('{mark}', 'w') for _ in [1]]",
        f"().__class__.__base__.__subclasses__()[0]('{mark}')",
        f"getattr(__builtins__, 'open')('{mark}', 'w')",
    ]


# every place of a spec where an expression is evaluated; %s is the (YAML-quoted) payload
FIELDS = {
    "conv-channels": HEAD + "layers:\n  - conv: {c: %s, k: 1}\n",
    "conv-stride": HEAD + "layers:\n  - conv: {c: 3, k: 1, s: %s}\n",
    "conv-padding": HEAD + "layers:\n  - conv: {c: 3, k: 1, p: %s}\n",
    "linear-out": HEAD + "layers:\n  - flatten\n  - linear: {out: %s}\n",
    "pool-kernel": HEAD + "layers:\n  - maxpool: {k: %s}\n",
    "when": HEAD + "layers:\n  - {relu: {}, when: %s}\n",
    "repeat-n": HEAD + "layers:\n  - repeat: {n: %s, body: [relu]}\n",
    "for-in": HEAD + "layers:\n  - for: {var: v, in: %s, body: [relu]}\n",
    "residual-stride": HEAD + "layers:\n  - residual: {body: [{conv: {c: 8, k: 1, s: 2}}], "
                       "shortcut: project, stride: %s}\n",
    "block-argument": HEAD + "blocks: {b: {args: {x: 1}, body: [{conv: {c: x, k: 1}}]}}\n"
                      "layers: [{b: {x: %s}}]\n",
    "block-default": HEAD + "blocks: {b: {args: {x: %s}, body: [{conv: {c: x, k: 1}}]}}\n"
                     "layers: [b]\n",
    "param": HEAD + "params: {w: %s}\nlayers: [{conv: {c: w, k: 1}}]\n",
    "symbol-default": "name: t\ninput: [3, H, 8]\nsymbols: {H: %s}\nlayers: [relu]\n",
    "input": "name: t\ninput: [3, %s, 8]\nlayers: [relu]\n",
}


def test_payloads_do_create_the_marker_when_executed(tmp_path):
    """Control: the oracle works — executing a payload does leave the marker behind."""
    mark = tmp_path / "ran"
    for code in payloads(mark)[:2]:
        exec(code)  # noqa: S102 - the point of the control
        assert mark.exists()
        mark.unlink()


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_payload_in_every_expression_field_is_refused(cli, tmp_path, field):
    mark = tmp_path / "ran"
    spec = tmp_path / "evil.yaml"
    for code in payloads(mark):
        spec.write_text(FIELDS[field] % json.dumps(code))
        status, out, err = cli("report", str(spec))
        assert status == 2, (code, err)
        assert err.startswith("cnncost: error: ") and len(err.strip().splitlines()) == 1, err
        assert not mark.exists(), f"{field}: {code} ran"


def test_payload_in_a_layer_name_template_is_refused(cli, tmp_path):
    mark = tmp_path / "ran"
    spec = tmp_path / "evil.yaml"
    for code in payloads(mark):
        if "{" in code or "}" in code:
            continue
        spec.write_text(HEAD + "layers:\n  - {relu: {}, name: %s}\n" % json.dumps("x{" + code + "}"))
        status, _, err = cli("report", str(spec))
        assert status == 2, (code, err)
        assert not mark.exists()


def test_python_yaml_tags_are_refused(cli, tmp_path):
    mark = tmp_path / "ran"
    spec = tmp_path / "evil.yaml"
    for tag in ("!!python/object/apply:os.system", "!!python/object/new:os.system",
                "!!python/name:os.system", "!!python/module:os"):
        spec.write_text(f"name: {tag} ['touch {mark}']\ninput: [3, 8, 8]\nlayers: [relu]\n")
        status, _, err = cli("report", str(spec))
        assert status == 2
        assert "could not determine a constructor" in err
        assert not mark.exists()


def _commands_with(option: str) -> list[str]:
    import typer.main

    from cnncost.cli import app

    group = typer.main.get_command(app)
    return sorted(name for name, cmd in group.commands.items()
                  if any(option in getattr(p, "opts", ()) for p in cmd.params)
                  and any(p.name in ("model", "models") for p in cmd.params))


EXTRA = {"fit": ["--memory", "12GiB"]}


@pytest.mark.parametrize("command", _commands_with("--set"))
def test_payload_in_set_is_refused(cli, tmp_path, command):
    mark = tmp_path / "ran"
    for code in payloads(mark):
        status, _, err = cli(command, "alexnet", *EXTRA.get(command, []), "--set",
                             f"classes={code}")
        assert status == 2, (command, code, err)
        assert not mark.exists(), (command, code)


@pytest.mark.parametrize("command", _commands_with("--input"))
def test_payload_in_input_is_refused(cli, tmp_path, command):
    mark = tmp_path / "ran"
    for code in payloads(mark):
        status, _, err = cli(command, "alexnet", *EXTRA.get(command, []), "--input",
                             f"3,{code},8")
        assert status == 2, (command, code, err)
        assert not mark.exists(), (command, code)


def test_payload_in_batch_is_refused(cli, tmp_path):
    mark = tmp_path / "ran"
    for code in payloads(mark):
        status, _, _ = cli("report", "alexnet", "--batch", code)
        assert status == 2
        assert not mark.exists()


def test_payload_through_the_python_api_is_refused(tmp_path):
    import cnncost
    from cnncost.errors import CnnCostError

    mark = tmp_path / "ran"
    for code in payloads(mark):
        with pytest.raises(CnnCostError):
            cnncost.analyze("alexnet", set={"classes": code})
        with pytest.raises(CnnCostError):
            cnncost.analyze("alexnet", input=f"3,{code},8")
        assert not mark.exists()


# ---- static guard: nothing in the package can evaluate text --------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_ATTRS = {"sympify", "parse_expr", "unsafe_load", "full_load", "load_all", "system",
                   "popen", "literal_eval"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "subprocess", "dill", "socket", "urllib",
                     "http", "requests"}


def _python_files() -> list[Path]:
    import cnncost

    root = Path(cnncost.__file__).parent
    return sorted(root.rglob("*.py"))


def guard_problems(source: str, name: str) -> list[str]:
    """What the static guard flags in one Python source: eval-like calls and unsafe imports."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                problems.append(f"{name}:{node.lineno}: {f.id}()")
            if isinstance(f, ast.Attribute) and f.attr in FORBIDDEN_ATTRS:
                problems.append(f"{name}:{node.lineno}: .{f.attr}()")
            if isinstance(f, ast.Attribute) and f.attr == "load" and \
                    isinstance(f.value, ast.Name) and f.value.id == "yaml":
                problems.append(f"{name}:{node.lineno}: yaml.load()")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""]
            for mod in names:
                if mod.split(".")[0] in FORBIDDEN_MODULES:
                    problems.append(f"{name}:{node.lineno}: import {mod}")
    return problems


def test_package_has_no_eval_exec_sympify_or_unsafe_yaml():
    problems = [p for path in _python_files()
                for p in guard_problems(path.read_text(encoding="utf-8"), path.name)]
    assert not problems, problems


@pytest.mark.parametrize("snippet, flagged", [
    ("x = eval('1')\n", "planted.py:1: eval()"),
    ("import sympy\ny = sympy.sympify('2')\n", "planted.py:2: .sympify()"),
    ("import yaml\nz = yaml.load('a')\n", "planted.py:2: yaml.load()"),
    ("import yaml\nz = yaml.unsafe_load('a')\n", "planted.py:2: .unsafe_load()"),
    ("import subprocess\n", "planted.py:1: import subprocess"),
    ("from pickle import loads\n", "planted.py:1: import pickle"),
    ("exec('1')\n", "planted.py:1: exec()"),
])
def test_guard_catches_a_planted_eval(snippet, flagged):
    """The guard the package test runs can fail: it flags each planted call or import."""
    assert guard_problems(snippet, "planted.py") == [flagged]


def test_guard_passes_safe_code():
    assert guard_problems("import yaml\nz = yaml.safe_load('a')\nprint(len('x'))\n", "ok.py") == []


# ---- no network, no stray files -----------------------------------------------------------------


def test_analysis_opens_no_sockets_and_writes_no_files(cli, tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("cnncost tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "net.yaml"
    spec.write_text(HEAD + "layers:\n  - conv: {c: 4, k: 3}\n  - relu\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["report", str(spec)], ["compare", "alexnet", str(spec), "--input", "3x64x64"],
                 ["list"], ["report", "alexnet", "--format", "json"]):
        status, out, err = cli(*args)
        assert status == 0, err
        assert out
    assert sorted(p.name for p in tmp_path.iterdir()) == before
