"""Every command's --format output parses, and the same quantity has the same column name
(and units) in every command: ``list``, ``report``, ``compare``, ``verify`` and ``check``.

Expected numbers are hand arithmetic written out here, never cnncost's own output.
"""

from __future__ import annotations

from contextlib import redirect_stdout
import csv
import io
import json

import pytest

from cnncost.ops.conv import Conv

# AlexNet conv1 (torchvision): 64 filters of 3x11x11 plus 64 biases.
CONV1_PARAMS = (3 * 11 * 11 + 1) * 64            # = 23,296 -> "23.3K" in K/M/G units
# At a 3x67x67 input, stride 4, padding 2: (67 + 2*2 - 11) // 4 + 1 = 16.
CONV1_MACS_67 = 64 * 16 * 16 * 3 * 11 * 11       # = 5,947,392

COMMANDS = {
    "list": ["list"],
    "report": ["report", "alexnet"],
    "compare": ["compare", "alexnet", "vgg11"],
    "verify": ["verify", "alexnet", "--input", "3x67x67"],
    "check": ["check", "--model", "alexnet"],
    "fit": ["fit", "alexnet", "--gpu", "t4"],
    "gpus": ["gpus"],
    "sweep": ["sweep", "alexnet", "--set", "classes=10,100"],
    "ops": ["ops"],
}
FORMATS = ("table", "markdown", "json", "csv", "html")


def markdown_header(text: str) -> list[str]:
    """The header cells of the first GitHub table in ``text``."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("|") and lines[i + 1].startswith("|---"):
            return [c.strip() for c in line.strip().strip("|").split("|")]
    raise AssertionError(f"no markdown table in:\n{text[:500]}")


def markdown_rows(text: str) -> list[list[str]]:
    """Body cells of every GitHub table row in ``text`` (escaped pipes kept as one cell)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = line.strip().strip("|").replace("\\|", "\0").split("|")
            rows.append([c.strip().replace("\0", "|") for c in cells])
    return rows


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def outputs():
    """Every command in every format, run once: {(command, format): (exit code, stdout)}."""
    from cnncost.cli import main

    results = {}
    for name, args in COMMANDS.items():
        for fmt in FORMATS:
            buf = io.StringIO()
            with redirect_stdout(buf):
                code = main([*args, "--format", fmt])
            results[name, fmt] = code, buf.getvalue()
    return results


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_format_parses(outputs, command):
    for fmt in FORMATS:
        code, out = outputs[command, fmt]
        assert code == 0, (command, fmt, out[-2000:])
        assert out.strip(), (command, fmt)
    json.loads(outputs[command, "json"][1])
    rows = csv_rows(outputs[command, "csv"][1])
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), command
    page = outputs[command, "html"][1]
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page and "</html>" in page
    assert "<style>" in page  # the shared stylesheet, not a bare page
    md = outputs[command, "markdown"][1]
    assert "|---" in md
    header = markdown_header(md)
    assert all(len(r) == len(header) for r in markdown_rows(md)), command
    assert "\x1b[" not in md + page + outputs[command, "csv"][1]  # no terminal colours


def test_csv_headers(outputs):
    header = {name: csv_rows(outputs[name, "csv"][1])[0] for name in COMMANDS}
    assert header["list"] == ["model", "family", "origin", "title", "source"]
    assert header["report"][:6] == ["name", "type", "output", "params", "macs",
                                    "activation_bytes"]
    assert header["compare"][:5] == ["model", "input", "params", "macs", "activation_bytes"]
    # verify's CSV columns are its JSON layer fields, in order
    layer_keys = list(json.loads(outputs["verify", "json"][1])["layers"][0])
    assert header["verify"] == layer_keys == [
        "name", "type", "expected_output", "actual_output", "expected_params", "actual_params",
        "expected_macs", "counted_macs", "ok"]
    assert header["check"][:8] == ["id", "model", "quantity", "published", "computed", "unit",
                                   "status", "reason"]


def test_same_quantity_same_column_name(outputs):
    """Human formats (markdown, html) name the per-layer quantities as report does."""
    md = {name: markdown_header(outputs[name, "markdown"][1]) for name in COMMANDS}
    assert md["report"][:6] == ["layer", "type", "output", "params", "MACs", "activation"]
    assert md["compare"][:5] == ["model", "input", "params", "MACs", "activation"]
    assert md["verify"][:3] == ["layer", "type", "output"]
    assert "params" in md["verify"] and "MACs" in md["verify"]
    assert md["list"][0] == md["compare"][0] == md["check"][1] == "model"
    for name in ("report", "compare", "verify"):
        page = outputs[name, "html"][1]
        assert "<th>params</th>" in page and "<th>MACs</th>" in page, name


def test_same_value_same_units(outputs):
    """AlexNet conv1's 23,296 params: exact in CSV, 23.3K in markdown, in report and verify."""
    report_csv = {r[0]: r for r in csv_rows(outputs["report", "csv"][1])}
    verify_csv = {r[0]: r for r in csv_rows(outputs["verify", "csv"][1])}
    assert report_csv["features.0"][3] == str(CONV1_PARAMS)
    assert verify_csv["features.0"][4] == verify_csv["features.0"][5] == str(CONV1_PARAMS)
    assert verify_csv["features.0"][6] == verify_csv["features.0"][7] == str(CONV1_MACS_67)
    assert verify_csv["features.0"][8] == "true"
    for name in ("report", "verify"):
        md = outputs[name, "markdown"][1]
        head = markdown_header(md)
        row = next(r for r in markdown_rows(md) if r[0] == "features.0")
        assert row[head.index("params")] == "23.3K", name


def test_check_html_groups_under_the_shared_page(outputs):
    page = outputs["check", "html"][1]
    assert page.count("<h2>") >= 1 and page.count("<table>") == page.count("<h2>")
    assert "reproduced" in page and "regressions" in page


BIG_GROUPED = """
name: biggrouped
input: [32, 8, 8]
layers:
  - {conv: {c: 64, k: 3, p: 1, groups: 2, bias: false}, name: conv}
  - relu
  - gap
  - flatten
  - {linear: {out: 3}, name: fc}
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_verify_mismatch_exits_1_in_every_format(cli, monkeypatch, tmp_path, fmt):
    """The analysis claims a bias the kernel never reads: 64*16*3*3 + 64 = 9,280 expected,
    64*16*3*3 = 9,216 actual. Human formats show a differing pair exactly, not as 9.28K/9.216K."""
    path = tmp_path / "biggrouped.yaml"
    path.write_text(BIG_GROUPED)
    right = Conv.param_shapes
    monkeypatch.setattr(Conv, "param_shapes",
                        lambda self, a, ins, out: {**right(self, a, ins, out), "bias": (64,)})
    code, out, _ = cli("verify", str(path), "--format", fmt)
    assert code == 1
    if fmt == "json":
        conv = json.loads(out)["layers"][0]
        assert (conv["expected_params"], conv["actual_params"]) == (9280, 9216)
    elif fmt == "csv":
        conv = csv_rows(out)[1]
        assert conv[4:6] == ["9280", "9216"] and conv[8] == "false"
    else:
        assert "9,280" in out and "9,216" in out and "FAILED" in out and "✗" in out


def test_markdown_escapes_pipes_in_cells():
    from cnncost.render.text import tabular

    md = tabular(["model", "note"], [["a", "x | y"]], "markdown")
    assert markdown_rows(md)[1] == ["a", "x | y"]


def test_unknown_format_exits_2(cli):
    for args in COMMANDS.values():
        code, _, err = cli(*args, "--format", "xml")
        assert code == 2 and "--format" in err


# AlexNet conv1 (torchvision): 64 filters of 3x11x11 + 64 biases; stride 4, padding 2, so at a
# 3x227x227 input its output is (227 + 2*2 - 11) // 4 + 1 = 56 wide and high.

CONV1_MACS_227 = 64 * 56 * 56 * 3 * 11 * 11        # 72,855,552

CONV1_BYTES_227 = 64 * 56 * 56 * 4                 # 802,816


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_report_html_honours_exact(cli):
    code, out, _ = cli("report", "alexnet", "--input", "3x227x227", "--format", "html", "--exact")
    assert code == 0
    row = next(line for line in out.splitlines() if "<td>features.0</td>" in line)
    assert f"<td>{CONV1_PARAMS:,}</td>" in row
    assert f"<td>{CONV1_MACS_227:,}</td>" in row
    assert f"<td>{CONV1_BYTES_227:,}</td>" in row


def test_report_csv_symbolic_shape_is_unambiguous(cli):
    # conv1 on H: floor((H + 2*2 - 11) / 4) + 1 = floor(H/4 - 7/4) + 1, a compound size that
    # must not run into the "x" separators ("64xfloor(H/4 - 7/4) + 1xfloor(...)" reads wrongly).
    code, out, _ = cli("report", "alexnet", "--input", "3xHxW", "--format", "csv")
    assert code == 0
    rows = {r[0]: r for r in _csv(out)}
    assert rows["features.0"][2] == "64x(floor(H/4 - 7/4) + 1)x(floor(W/4 - 7/4) + 1)"
    assert rows["features.0"][3] == str(CONV1_PARAMS)


def test_report_csv_atomic_symbols_stay_bare(cli):
    code, out, _ = cli("report", "specs/examples/one_conv5x5.yaml", "--format", "csv")
    assert code == 0
    rows = _csv(out)
    assert rows[1][:4] == ["conv5x5", "conv", "CxHxW", "25*C**2"]  # 5*5*C*C weights, no bias


def test_compare_csv_symbolic_input(cli):
    code, out, _ = cli("compare", "alexnet", "alexnet", "--input", "3x(2*H)x(2*W)", "--format",
                       "csv")
    assert code == 0
    rows = _csv(out)
    assert [r[1] for r in rows[1:]] == ["3x(2*H)x(2*W)"] * 2


def test_markdown_gpus_is_one_row_per_gpu(outputs):
    """A Markdown cell is one line: long titles and sources stay in their row (the plain table
    wraps them; a wrapped Markdown table would read as extra GPUs)."""
    from cnncost.gpus import gpus

    header, *rows = markdown_rows(outputs["gpus", "markdown"][1])
    assert header[0] == "gpu" and [r[0] for r in rows] == list(gpus())
