"""`cnncost plot`: per-layer bar charts. Expected values are hand arithmetic written out here."""

from __future__ import annotations

from pathlib import Path
import sys
import xml.etree.ElementTree as ET

import pytest

SPEC = """cnncost: 1
name: tiny
input: [3, 8, 8]
layers:
  - {conv: {c: 8, k: 3, p: 1}, name: c1}
  - relu
  - maxpool: {k: 2, s: 2}
  - flatten
  - {linear: {out: 10}, name: fc}
"""
# c1: params 8*27 + 8 = 224, MACs 64*8*27 = 13,824, out 8*8*8*4 B = 2,048 B
# relu: in-place, all zero -> not plotted; maxpool: 8*4*4*4 B = 512 B;
# flatten: a view -> not plotted
# fc: params 128*10 + 10 = 1,290, MACs 1,280, out 10*4 B = 40 B
EXPECTED = {"c1": (224, 13824, 2048), "maxpool": (0, 0, 512), "fc": (1290, 1280, 40)}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return path


def test_missing_matplotlib_is_one_line_naming_the_extra(cli, tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err = cli("plot", str(tiny), "-o", str(tiny.with_suffix(".svg")))
    assert code == 2
    assert err.strip().count("\n") == 0 and "cnncost[plot]" in err
    assert not tiny.with_suffix(".svg").exists()


def test_plotted_data_in_csv(cli, tiny):
    pytest.importorskip("matplotlib")
    code, out, _ = cli("plot", str(tiny), "-o", str(tiny.parent / "t.svg"), "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "model,name,type,activation_bytes,params,macs"
    got = {line.split(",")[1]: tuple(int(x) for x in line.split(",")[3:]) for line in lines[1:]}
    names = list(got)
    assert names[0] == "c1" and names[2] == "fc" and len(names) == 3
    assert got["c1"] == (2048, 224, 13824)
    assert got[names[1]] == (512, 0, 0)
    assert got["fc"] == (40, 1290, 1280)


def test_svg_is_valid_deterministic_and_labelled(cli, tiny):
    pytest.importorskip("matplotlib")
    a, b = tiny.parent / "a.svg", tiny.parent / "b.svg"
    assert cli("plot", str(tiny), "-o", str(a))[0] == 0
    assert cli("plot", str(tiny), "-o", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()
    root = ET.fromstring(a.read_bytes())
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "c1 (conv)" in text and "fc (linear)" in text
    assert "relu" not in text  # all-zero rows are left out
    assert "total 1.514K" in text  # params 224 + 1,290 = 1,514


def test_bar_heights_are_the_numbers(tiny):
    pytest.importorskip("matplotlib")
    import cnncost
    from cnncost.render.plot import figure

    r = cnncost.analyze(str(tiny))
    fig = figure([r], ["memory", "params", "macs"])
    axes = fig.axes
    heights = [[round(p.get_height(), 6) for p in ax.patches] for ax in axes]
    # memory in KiB (peak 2,048 B -> KiB), params in K (peak 1,290), MACs in K (peak 13,824)
    assert heights[0] == [2.0, 0.5, round(40 / 1024, 6)]
    assert heights[1] == [0.224, 0.0, 1.29]
    assert heights[2] == [13.824, 0.0, 1.28]
    assert axes[0].get_ylabel() == "memory (KiB)" and axes[2].get_ylabel() == "macs (K)"


def test_png_and_two_models_side_by_side(cli, tiny):
    pytest.importorskip("matplotlib")
    out = tiny.parent / "cmp.png"
    code, text, _ = cli("plot", str(tiny), str(tiny), "-o", str(out), "-m", "params")
    assert code == 0 and "tiny vs tiny" in text
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_markdown_output_is_an_image_link(cli, tiny):
    pytest.importorskip("matplotlib")
    out = tiny.parent / "t.svg"
    code, text, _ = cli("plot", str(tiny), "-o", str(out), "-f", "markdown", "-m", "macs")
    assert code == 0 and text.strip() == f"![tiny: per-layer MACs (multiply-accumulates)]({out})"


@pytest.mark.parametrize("args, words", [
    (["-o", "x.jpg"], "use .svg, .png, .pdf"),
    (["-o", "x.svg", "--metric", "flops"], "unknown --metric 'flops'"),
    (["-o", "x.svg", "--input", "3xHxW"], "symbolic"),
])
def test_user_errors(cli, tiny, args, words):
    pytest.importorskip("matplotlib")
    code, _, err = cli("plot", str(tiny), *args)
    assert code == 2 and words in err
