"""Hostile corpus, second round (issue 14): bounded work, safe embedding, located errors.

Every case is a bad input that must exit 2 with one ``cnncost: error:`` line naming the place
at fault, quickly, writing nothing. A few run in a subprocess under a 3 GiB address-space limit
and a 10 s timeout, as the issue asks.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

HEAD = "name: t\ninput: [3, 8, 8]\n"
OFF = "{relu: {}, when: 0}"

# (id, spec text, fragment of the message, location "line:col" or None)
SPECS = [
    # 1. work that makes no layer still counts (skipped items, iterations, block fan-out)
    ("skipped-nested-repeat", HEAD + "layers:\n  - repeat: {n: 100000, body: [{repeat: "
     "{n: 100000, body: [" + OFF + "]}}]}\n", "more than 500,000 steps", "4:"),
    ("empty-block-repeat", HEAD + "blocks: {e: {body: [" + OFF + "]}}\nlayers:\n  - repeat: "
     "{n: 100000, body: [{repeat: {n: 100000, body: [e]}}]}\n", "more than 500,000 steps", None),
    ("block-fan-out", HEAD + "blocks:\n" + "".join(
        f"  b{i}: {{body: [{', '.join([f'b{i + 1}'] * 10)}]}}\n" for i in range(6))
     + f"  b6: {{body: [{OFF}]}}\nlayers: [b0]\n", "more than 500,000 steps", None),
    ("for-over-skipped", HEAD + "params: {xs: 'range(1000)'}\nlayers:\n  - repeat: {n: 1000, "
     "body: [{for: {var: v, in: xs, body: [" + OFF + "]}}]}\n", "more than 500,000 steps", None),
    # names: bounded after templating, no duplicates, no control characters
    ("long-templated-name", HEAD + "params: {n: 10**19}\nlayers:\n  - {relu: {}, name: "
     "'a{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}'}\n", "characters long (limit 200)", "5:5"),
    ("duplicate-names", HEAD + "layers:\n  - {conv: {c: 3, k: 1}, name: conv}\n"
     "  - {conv: {c: 3, k: 1}, name: conv}\n", "two layers are named 'conv'", "5:5"),
    ("duplicate-templated-names", HEAD + "layers:\n  - repeat: {n: 2, body: [{relu: {}, "
     "name: 'r{1}'}]}\n", "two layers are named 'r1'", None),
    ("nul-in-name", HEAD + 'layers:\n  - {relu: {}, name: "a\\0b"}\n', "control characters",
     "4:5"),
    ("esc-in-name", HEAD + 'layers:\n  - {relu: {}, name: "a\\e[2Jb"}\n', "control characters",
     "4:5"),
    ("esc-in-model-name", 'name: "t\\e[31m"\ninput: [3, 8, 8]\nlayers: [relu]\n',
     "control characters", "1:1"),
    ("newline-in-title", 'name: t\ntitle: "a\\nb"\ninput: [3, 8, 8]\nlayers: [relu]\n',
     "control characters", None),
    # expressions that would compute forever: fail fast, located
    ("round-huge-negative", HEAD + "layers:\n  - conv: {c: 'round(3, -10**9)', k: 1}\n",
     "round() digits", "4:12"),
    ("round-huge-positive", HEAD + "layers:\n  - conv: {c: 'round(3.5, 10**18)', k: 1}\n",
     "round() digits", "4:12"),
    ("round-in-symbol-default", "name: t\ninput: [3, H, 8]\nsymbols: {H: 'round(3, -10**9)'}\n"
     "layers: [relu]\n", "round() digits", "3:"),
    ("round-in-name-template", HEAD + "layers:\n  - {relu: {}, name: 'a{round(3, -10**9)}'}\n",
     "round() digits", "4:5"),
    ("round-in-block-default", HEAD + "blocks: {b: {args: {x: 'round(3, -10**9)'}, body: "
     "[relu]}}\nlayers: [b]\n", "round() digits", "3:"),
    # 4. numbers: floats in integer fields obey the 2**64 limit
    ("float-channels", HEAD + "layers:\n  - conv: {c: 1e300, k: 1}\n", "too large (limit 2**64)",
     "4:12"),
    ("float-kernel-expr", HEAD + "layers:\n  - conv: {c: 3, k: '1e300 / 3'}\n",
     "too large (limit 2**64)", "4:"),
    ("float-repeat", HEAD + "layers:\n  - repeat: {n: 1e300, body: [relu]}\n",
     "too large (limit 2**64)", None),
    ("float-input", "name: t\ninput: [3, 1e300, 8]\nlayers: [relu]\n", "too large", "2:"),
]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cnncost: error: "), err
    assert "\x1b" not in err and "\x00" not in err, err
    return lines[0]


@pytest.mark.parametrize("case_id, text, fragment, where", SPECS, ids=[c[0] for c in SPECS])
def test_bad_spec_is_refused_located(cli, tmp_path, case_id, text, fragment, where):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("report", str(path))
    line = _one_line(err)
    assert code == 2 and out == "", err
    assert fragment in line, line
    assert str(path) in line, line
    if where:
        assert f"{path}:{where}" in line, line


# (id, argv, fragment); "{tmp}" is the test's folder
COMMANDS = [
    ("input-negative-names-option", ["report", "alexnet", "--input", "3x-5x224"], "--input"),
    ("input-negative-symbol", ["report", "alexnet", "--input", "3x(-H)xW"], "must be positive"),
    ("input-difference-symbol", ["report", "alexnet", "--input", "3x(H-W)xW"], "must be positive"),
    ("input-huge-float", ["report", "alexnet", "--input", "3x1e300x1e300"], "--input"),
    ("set-round-bomb", ["report", "alexnet", "--set", "classes=round(3, -10**9)"],
     "--set classes"),
    ("set-huge-float", ["report", "alexnet", "--set", "classes=1e300"], "--set classes"),
    ("fit-huge-memory", ["fit", "resnet50", "--memory", "1e300TiB"], "too large"),
    ("fit-huge-bytes", ["fit", "resnet50", "--memory", "99999999999999999999999B"], "too large"),
    ("verify-negative-seed", ["verify", "alexnet", "--seed", "-1"], "--seed"),
    ("verify-huge-seed", ["verify", "alexnet", "--seed", str(2**40)], "--seed"),
    ("verify-memory", ["verify", "vgg16", "--batch", "100000"], "GiB"),
    ("verify-max-memory", ["verify", "alexnet", "--max-memory", "1MiB"], "over the limit"),
    ("sweep-points", ["sweep", "alexnet", "--set", "classes=" + ",".join(map(str, range(1, 200))),
                      "--input", ",".join(map(str, range(64, 164)))], "19,900 points"),
    ("sweep-max-points", ["sweep", "alexnet", "--max-points", "0"], "--max-points"),
    ("nul-in-argument", ["report", "alex\0net"], "NUL"),
    ("name-too-long", ["report", "{tmp}/" + "a" * 300 + ".yaml"], "aaaa"),
    ("spec-is-directory", ["report", "{tmp}/"], "is a directory"),
    ("spec-is-fifo", ["report", "{tmp}/fifo.yaml"], "not a regular file"),
    ("plot-unwritable", ["plot", "alexnet", "-o", "{tmp}/ro/x.svg"], "ro"),
]


@pytest.mark.parametrize("case_id, argv, fragment", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_bad_command_exits_2(cli, tmp_path, case_id, argv, fragment):
    if case_id == "spec-is-fifo":
        os.mkfifo(tmp_path / "fifo.yaml")
    if case_id == "plot-unwritable":
        pytest.importorskip("matplotlib")
        (tmp_path / "ro").mkdir()
        os.chmod(tmp_path / "ro", 0o500)
        if os.access(tmp_path / "ro", os.W_OK):
            pytest.skip("running as a user that can write anywhere")
    before = sorted(tmp_path.rglob("*"))
    code, out, err = cli(*[a.replace("{tmp}", str(tmp_path)) for a in argv])
    line = _one_line(err)
    assert code == 2, err
    assert fragment in line, line
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_input_error_blames_the_option_not_the_spec(cli):
    line = _one_line(cli("report", "alexnet", "--input", "3x-5x224")[2])
    assert "alexnet.yaml" not in line and "--input" in line


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.parametrize("case_id", ["skipped-nested-repeat", "block-fan-out",
                                     "round-huge-negative", "round-in-symbol-default"])
def test_bombs_fail_fast_and_small_in_a_subprocess(tmp_path, case_id):
    text = next(c[1] for c in SPECS if c[0] == case_id)
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-c", "import sys; from cnncost.cli import main; "
                          "sys.exit(main(sys.argv[1:]))", "report", str(path)],
                         capture_output=True, text=True, timeout=10, preexec_fn=_limited, env=env)
    assert run.returncode == 2, run.stderr
    _one_line(run.stderr)


# ---- embed: never write outside the Markdown file's folder; refuse what it must not replace --

def _md(tmp_path: Path, block: str) -> Path:
    doc = tmp_path / "docs" / "page.md"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(f"# page\n\n<!-- cnncost: {block} -->\n<!-- /cnncost -->\n", encoding="utf-8")
    return doc


@pytest.mark.parametrize("target", ["/tmp/evil.svg", "../evil.svg", "sub/../../evil.svg",
                                    "--output=../evil.svg", "-o../evil.svg"])
def test_embed_refuses_outputs_outside_the_folder(cli, tmp_path, target):
    opt = target if target.startswith("-") else f"-o {target}"
    doc = _md(tmp_path, f"plot alexnet {opt}")
    before = doc.read_text()
    code, _, err = cli("embed", str(doc))
    assert code == 2 and "outside the Markdown file's folder" in _one_line(err), err
    assert doc.read_text() == before
    assert not (tmp_path / "evil.svg").exists()


def test_embed_refuses_symlinked_read_only_and_huge_files(cli, tmp_path):
    doc = _md(tmp_path, "report alexnet --until features.0")
    link = tmp_path / "link.md"
    link.symlink_to(doc)
    assert cli("embed", str(link))[0] == 2 and link.is_symlink()
    os.chmod(doc, 0o444)
    if not os.access(doc, os.W_OK):
        code, _, err = cli("embed", str(doc))
        assert code == 2 and "read-only" in err
    os.chmod(doc, 0o644)
    big = tmp_path / "big.md"
    big.write_text("x" * (2 * 2**20 + 1))
    code, _, err = cli("embed", str(big))
    assert code == 2 and "over embed's limit" in err


def test_markdown_cells_cannot_forge_marker_lines():
    from cnncost.render.escape import md_cell
    from cnncost.render.text import tabular

    cell = md_cell("a|b\n<!-- /cnncost -->")
    assert "\n" not in cell and "<" not in cell and "\\|" in cell
    out = tabular(["name"], [["x\n<!-- /cnncost -->"]], "markdown")
    assert not any(line.startswith("<!--") for line in out.splitlines())


# ---- API: wrong types raise CnnCostError naming the parameter ----------------------------------

@pytest.mark.parametrize("kwargs, name", [({"set": 5}, "set"), ({"depth": "2"}, "depth"),
                                          ({"until": 5}, "until"), ({"only": "conv"}, "only"),
                                          ({"train": "yes"}, "train"), ({"set": [5]}, "set"),
                                          ({"input": 224}, "input"), ({"batch": 1.5}, "batch")])
def test_api_wrong_types_name_the_parameter(kwargs, name):
    import cnncost
    from cnncost.errors import CnnCostError

    with pytest.raises(CnnCostError, match=f"parameter '{name}'"):
        cnncost.analyze("alexnet", **kwargs)


def test_api_fit_wrong_types():
    import cnncost
    from cnncost.errors import CnnCostError

    with pytest.raises(CnnCostError, match="parameter 'batch'"):
        cnncost.fit("alexnet", memory="16GiB", batch="8")


# ---- ledger: a malformed entry is a bad ledger (exit 2), and huge exponents fail fast ----------

LEDGER = 'ledger: 1\nsources: {me: "My notes"}\nentries:\n'


@pytest.mark.parametrize("entry, fragment", [
    ("{id: a, model: alexnet, quantity: params, value: 1e999999999, unit: '', source: me, "
     "locator: x}", "out of range"),
    ("{id: a, model: alexnet, quantity: params, value: 61100840, tolerance: 1e-999999999, "
     "unit: '', source: me, locator: x}", "out of range"),
    ("{id: a, model: alexnet, quantity: params, value: '1e-999999999', unit: '', source: me, "
     "locator: x}", "out of range"),
    ("{id: a, model: alexnet, dtype: fp99, quantity: params, value: 1, unit: '', source: me, "
     "locator: x}", "unknown dtype 'fp99'"),
])
def test_malformed_ledger_entry_exits_2(cli, tmp_path, entry, fragment):
    path = tmp_path / "ledger.yaml"
    path.write_text(LEDGER + "  - " + entry + "\n", encoding="utf-8")
    code, _, err = cli("check", "--ledger", str(path))
    assert code == 2, err
    line = _one_line(err)
    assert fragment in line and str(path) in line, line
