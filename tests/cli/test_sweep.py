"""``cnncost sweep``: value splitting, grid order, and totals checked against hand arithmetic and
torchvision's published ResNet figures (https://pytorch.org/vision/stable/models.html)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cnncost.analysis.sweep import grid, input_values, parse_axes, split_values
from cnncost.errors import CnnCostError

# One 3x3 conv (padding 1, bias) followed by an in-place ReLU: easy to count by hand.
TINY = """\
name: tiny
input: [3, H, W]
symbols: {H: 8, W: 8}
params: {c: 4}
layers:
  - {conv: {c: c, k: 3, p: 1}, name: conv}
  - {relu: {}, name: relu}
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


def tiny_expected(c: int, h: int, w: int) -> tuple[int, int, int]:
    params = c * 3 * 3 * 3 + c            # weight Cout*Cin*k*k + bias
    macs = c * h * w * 3 * 3 * 3          # Cout*Hout*Wout*Cin*k*k, 'same' padding keeps HxW
    act = c * h * w * 4                   # conv output in fp32; the in-place relu allocates 0
    return params, macs, act


def test_split_values_respects_brackets_and_parentheses():
    assert split_values("[3,4,6,3],[3,8,36,3]") == ["[3,4,6,3]", "[3,8,36,3]"]
    assert split_values("make_divisible(40, 8), 16") == ["make_divisible(40, 8)", "16"]
    assert split_values("[[1,2],[3]], 4") == ["[[1,2],[3]]", "4"]
    assert split_values(" 64 ") == ["64"]


@pytest.mark.parametrize("bad", ["[3,4", "3]", "1,,2", "1,", ""])
def test_split_values_refuses_malformed_lists(bad):
    with pytest.raises(CnnCostError):
        split_values(bad)


def test_parse_axes_and_grid_order():
    axes = parse_axes(["a=1,2", "depths=[1,2],[3,4],[5,6]"])
    assert axes == [("a", ["1", "2"]), ("depths", ["[1,2]", "[3,4]", "[5,6]"])]
    points = grid(axes, ["3x8x8", "3x4x4"])
    assert len(points) == 2 * 3 * 2
    # the last axis (input) varies fastest, the first --set slowest
    assert points[0] == ({"a": "1", "depths": "[1,2]"}, "3x8x8")
    assert points[1] == ({"a": "1", "depths": "[1,2]"}, "3x4x4")
    assert points[2] == ({"a": "1", "depths": "[3,4]"}, "3x8x8")
    assert points[-1] == ({"a": "2", "depths": "[5,6]"}, "3x4x4")


def test_parse_axes_refuses_bad_items():
    for bad in (["novalue"], ["2x=1"], ["a=1", "a=2"]):
        with pytest.raises(CnnCostError):
            parse_axes(bad)


def test_input_values_bare_sizes_are_square():
    assert input_values(["224,3x160x128", "96"], 3) == ["3x224x224", "3x160x128", "3x96x96"]
    assert input_values(None, 3) == [None]


def test_sweep_csv_matches_hand_counts(cli, tiny):
    code, out, err = cli("sweep", tiny, "--set", "c=4,16", "--input", "8,3x5x7", "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["c"], r["input"]) for r in rows] == [
        ("4", "3x8x8"), ("4", "3x5x7"), ("16", "3x8x8"), ("16", "3x5x7")]
    for r in rows:
        c = int(r["c"])
        _, h, w = map(int, r["input"].split("x"))
        assert r["output"] == f"{c}x{h}x{w}"
        assert (int(r["params"]), int(r["macs"]), int(r["activation_bytes"])) == \
            tiny_expected(c, h, w)


def test_sweep_json_batch_and_dtype(cli, tiny):
    code, out, _ = cli("sweep", tiny, "--set", "c=2", "--input", "6", "-b", "3", "--dtype",
                       "fp16", "-f", "json")
    assert code == 0
    (point,) = json.loads(out)
    # params do not scale with the batch; MACs and activations do; fp16 = 2 bytes
    assert point["params"] == 2 * 27 + 2
    assert point["macs"] == 3 * (2 * 6 * 6 * 27)
    assert point["activation_bytes"] == 3 * (2 * 6 * 6 * 2)


def test_sweep_resnet_depths_against_torchvision_published():
    """torchvision's model table: ResNet-50/101/152 params and GFLOPS (= GMACs)."""
    from cnncost.analysis.sweep import run_sweep

    points = grid(parse_axes(["depths=[3,4,6,3],[3,4,23,3],[3,8,36,3]"]), [None])
    rows = run_sweep("resnet50", points)
    assert [r["params"] for r in rows] == [25_557_032, 44_549_160, 60_192_808]
    assert [round(r["macs"] / 1e9, 2) for r in rows] == [4.09, 7.80, 11.51]


def test_sweep_table_and_markdown_list_every_point(cli, tiny):
    for fmt in ("table", "markdown", "html"):
        code, out, _ = cli("sweep", tiny, "--set", "c=1,2,3", "-f", fmt)
        assert code == 0
        assert "3 points" in out
        for c in (1, 2, 3):       # each point's output shape and hand-counted params appear
            assert f"{c}x8x8" in out and str(c * 27 + c) in out


def test_sweep_error_names_the_point(cli, tiny):
    code, _, err = cli("sweep", tiny, "--set", "c=4", "--input", "3x0x8")
    assert code == 2
    assert "c=4" in err and "input=3x0x8" in err


def test_sweep_keep_going_records_errors(cli, tiny):
    code, out, _ = cli("sweep", tiny, "--input", "3x0x8,8", "--keep-going", "-f", "json")
    assert code == 1
    bad, good = json.loads(out)
    assert bad["error"] and bad["params"] is None
    assert good["error"] is None and good["params"] == 4 * 27 + 4


def test_sweep_unknown_param_and_format(cli, tiny):
    code, _, err = cli("sweep", tiny, "--set", "nope=1,2")
    assert code == 2 and "nope" in err
    code, _, err = cli("sweep", tiny, "-f", "xml")
    assert code == 2 and "--format" in err


def test_sweep_progress_bar_goes_to_stderr(cli, tiny):
    code, out, err = cli("sweep", tiny, "--set", "c=1,2,3,4", "--progress", "-f", "csv")
    assert code == 0
    assert "4/4" in err and "sweep [" in err
    assert "sweep [" not in out
    code, _, err = cli("sweep", tiny, "--set", "c=1,2", "--no-progress")
    assert err == ""


def test_sweep_mobilenet_width_against_torchvision(torchvision_models):
    """The NAS question 'width 0.75 at 192 px': params match torchvision's own model."""
    from cnncost.analysis.sweep import run_sweep

    widths = [0.5, 0.75, 1.0]
    rows = run_sweep("mobilenet_v2", grid(parse_axes(["width_mult=0.5,0.75,1.0"]), ["3x192x192"]))
    for w, row in zip(widths, rows):
        model = torchvision_models.mobilenet_v2(width_mult=w)
        assert row["params"] == sum(p.numel() for p in model.parameters())


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_sweep_symbolic_input_and_output_columns(cli):
    code, out, _ = cli("sweep", "alexnet", "--input", "3x(2*H)x(2*W)", "--format", "csv")
    assert code == 0
    rows = _csv(out)
    assert rows[0][:2] == ["input", "output"]
    assert rows[1][:3] == ["3x(2*H)x(2*W)", "1000", str(61_100_840)]  # torchvision alexnet: 61,100,840
