"""The command line's entry point: bad command lines exit 2 with one line, bugs exit 3, every command refuses unknown options."""

from __future__ import annotations

import pytest

import cnncost

from error_lines import one_error_line


HEAD = "name: t\ninput: [3, 32, 32]\nlayers:\n"



# (id, command line, message fragment); all must exit 2 with one line on stderr
COMMAND_LINES: list[tuple[str, list[str], str]] = [
    ("unknown-model", ["report", "alexnett"], "unknown model 'alexnett' (did you mean 'alexnet'?)"),
    ("unknown-model-far", ["report", "zzzzqqq"], "unknown model 'zzzzqqq'; 'cnncost list' shows all"),
    ("no-such-file", ["report", "no/such/net.yaml"], "no such spec file: no/such/net.yaml"),
    ("input-parts", ["report", "alexnet", "--input", "3x224"], "--input must look like 3x224x224"),
    ("input-empty", ["report", "alexnet", "--input", ""], "--input must look like"),
    ("input-zero", ["report", "alexnet", "--input", "0x224x224"], "input sizes must be at least 1"),
    ("input-float", ["report", "alexnet", "--input", "3x2.5x224"],
     "input sizes must be whole numbers, got 2.5"),
    ("input-syntax", ["report", "alexnet", "--input", "3x(1x1"], "cannot parse expression '(1'"),
    # conv1 (k 11, s 4, p 2) maps 10 -> floor((10 + 4 - 11) / 4) + 1 = 1; maxpool k 3 cannot fit
    ("input-too-small", ["report", "alexnet", "--input", "3x10x10"],
     "pool window 3x3 is larger than the padded input 1x1 (in layer features.2)"),
    ("set-no-equals", ["report", "alexnet", "--set", "classes"], "--set expects KEY=VALUE"),
    ("set-unknown", ["report", "alexnet", "--set", "clases=10"],
     "'alexnet' has no param or symbol 'clases' (did you mean 'classes'?)"),
    ("set-empty", ["report", "alexnet", "--set", "classes="], "empty value"),
    ("set-negative", ["report", "alexnet", "--set", "classes=-1"],
     "output features out must be at least 1, got -1"),
    ("set-float", ["report", "alexnet", "--set", "classes=2.5"], "must be an integer, got 2.5"),
    ("set-list", ["report", "alexnet", "--set", "classes=[1, 2]"], "must be an integer, got [1, 2]"),
    ("set-dropout", ["report", "alexnet", "--set", "dropout=3"],
     "dropout probability p must be in [0, 1], got 3.0"),
    ("set-bad-key", ["report", "alexnet", "--set", "1x=3"], "--set expects KEY=VALUE"),
    ("dtype", ["report", "alexnet", "--dtype", "fp33"], "unknown dtype 'fp33'"),
    ("format", ["report", "alexnet", "--format", "xml"], "unknown --format 'xml'"),
    ("batch-zero", ["report", "alexnet", "--batch", "0"], "--batch must be a whole number >= 1"),
    ("batch-list", ["report", "alexnet", "--batch", "[1]"], "--batch must be a whole number >= 1"),
    ("batch-float", ["report", "alexnet", "--batch", "2.5"], "--batch must be a whole number >= 1"),
    ("depth-text", ["report", "alexnet", "--depth", "x"], "Invalid value for '--depth'"),
    ("depth-zero", ["report", "alexnet", "--depth", "0"], "--depth must be at least 1"),
    ("until-unknown", ["report", "alexnet", "--until", "nope"], "--until: no layer named 'nope'"),
    ("only-unknown", ["report", "alexnet", "--only", "convv"],
     "--only: unknown layer type 'convv' (did you mean 'conv'?)"),
    ("unknown-option", ["report", "alexnet", "--frobnicate"], "No such option: --frobnicate"),
    ("missing-argument", ["report"], "Missing argument 'model'"),
    ("missing-option-value", ["report", "alexnet", "--input"], "requires an argument"),
    ("unknown-command", ["reprot", "alexnet"], "No such command 'reprot'"),
    ("extra-argument", ["list", "extra"], "unexpected extra argument"),
    ("list-format", ["list", "--format", "xml"], "unknown --format 'xml'"),
    ("compare-unknown", ["compare", "alexnet", "alexnett"], "unknown model 'alexnett'"),
    ("gpu-unknown", ["fit", "alexnet", "--gpu", "h1000"], "unknown GPU 'h1000'"),
    ("memory-unit", ["fit", "alexnet", "--memory", "12XB"], "cannot read memory size '12XB'"),
    ("memory-infinite", ["fit", "alexnet", "--memory", "1e999GiB"], "cannot read memory size"),
    ("memory-payload", ["fit", "alexnet", "--memory", "__import__('os')"],
     "cannot read memory size"),
]


@pytest.mark.parametrize("case_id, args, fragment", COMMAND_LINES, ids=[c[0] for c in COMMAND_LINES])
def test_bad_command_line(cli, case_id, args, fragment):
    code, out, err = cli(*args)
    line = one_error_line(err)
    assert code == 2, err
    assert fragment in line, line


def test_bare_cnncost_shows_help_and_exits_2(cli):
    code, out, err = cli()
    assert code == 2
    assert "Usage" in out + err
    assert "Traceback" not in out + err


def test_internal_errors_exit_3_with_one_line(cli, monkeypatch):
    """A bug (not a user error) prints one line asking for a report; --debug shows the traceback."""
    import cnncost.api

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cnncost.api, "analyze", broken)
    code, _, err = cli("report", "alexnet")
    assert code == 3
    assert len(err.strip().splitlines()) == 1 and "this is a bug" in err
    code, _, err = cli("report", "alexnet", "--debug")
    assert code == 3
    assert "Traceback" in err


def test_user_error_with_debug_shows_traceback_and_still_exits_2(cli):
    code, _, err = cli("report", "alexnett", "--debug")
    assert code == 2
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("cnncost: error: ")


def _commands() -> list[tuple[str, object]]:
    import typer.main

    from cnncost.cli import app

    group = typer.main.get_command(app)
    return sorted(group.commands.items())

#: options some commands need before they look at the model
EXTRA = {"fit": ["--memory", "12GiB"]}


def _command_line(name: str, command: object, first: list[str], tmp_path) -> list[str]:
    """``name`` + ``first`` + values for the command's required options (outputs go to tmp)."""
    args = [name, *first, *EXTRA.get(name, [])]
    for param in command.params:  # type: ignore[attr-defined]
        if getattr(param, "param_type_name", "") == "option" and param.required:
            args += [param.opts[0], str(tmp_path / "out.svg")]
    return args


def _takes_model(command: object) -> bool:
    return any(getattr(p, "param_type_name", "") == "argument" and p.name in ("model", "models")
               for p in command.params)  # type: ignore[attr-defined]


def test_there_are_commands_to_check():
    names = [n for n, _ in _commands()]
    assert {"report", "compare", "list"} <= set(names)


@pytest.mark.parametrize("name", [n for n, _ in _commands()])
def test_every_command_refuses_an_unknown_option(cli, tmp_path, name):
    command = dict(_commands())[name]
    code, _, err = cli(name, "--no-such-option-xyz")
    assert code == 2, err
    assert "No such option: --no-such-option-xyz" in one_error_line(err)
    if _takes_model(command):
        code, _, err = cli(*_command_line(name, command, ["alexnett"], tmp_path))
        assert code == 2, err
        assert "unknown model 'alexnett' (did you mean 'alexnet'?)" in one_error_line(err)
        assert not list(tmp_path.iterdir()), "a failed command must not write outputs"
        bad = tmp_path / "bad.yaml"
        bad.write_text(HEAD + "  - conv: {c: 4, k: 3, groups: 2}\n")
        code, _, err = cli(*_command_line(name, command, [str(bad)], tmp_path))
        assert code == 2, err
        line = one_error_line(err)
        assert f"{bad}:4:5: groups=2 does not divide the 3 input channels (in layer 0)" in line
