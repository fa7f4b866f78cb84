"""``cnncost import`` and MODEL arguments that are .onnx files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnx")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "importers"))

from cnncost.cli import main  # noqa: E402
from onnx_build import G  # noqa: E402


def small(tmp_path, symbolic: bool = False) -> str:
    g = G(["N", 3, "H", "W"] if symbolic else [1, 3, 16, 16])
    y = g.op("Conv", ["x", g.w(8, 3, 3, 3), g.w(8)], name="/stem/conv/Conv", pads=[1, 1, 1, 1])
    y = g.op("Relu", [y], name="/stem/act/Relu")
    y = g.op("GlobalAveragePool", [y], name="/pool/GlobalAveragePool")
    y = g.op("Flatten", [y], name="/Flatten")
    y = g.op("Gemm", [y, g.w(10, 8), g.w(10)], name="/fc/Gemm", transB=1)
    return g.save(tmp_path / ("sym.onnx" if symbolic else "small.onnx"), y)


def test_report_compare_fit_take_onnx(tmp_path, capsys):
    path = small(tmp_path)
    assert main(["report", path, "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in data["layers"]]
    assert names == ["stem.conv", "stem.act", "pool", "flatten", "fc"]
    assert data["totals"]["params"] == 8 * 27 + 8 + 80 + 10
    assert data["totals"]["macs"] == 8 * 16 * 16 * 27 + 80
    assert data["not_counted"] == []
    assert main(["compare", path, "alexnet"]) == 0
    assert "small" in capsys.readouterr().out
    assert main(["fit", path, "--gpu", "a100-80gb"]) == 0
    assert "weights" in capsys.readouterr().out


def test_symbolic_onnx_binds_input(tmp_path, capsys):
    path = small(tmp_path, symbolic=True)
    assert main(["report", path, "--input", "3x193x257", "-f", "csv"]) == 0
    out = capsys.readouterr().out
    assert "stem.conv,conv,8x193x257" in out
    assert main(["report", path]) == 0
    assert "H" in capsys.readouterr().out


def test_import_writes_a_spec_that_loads_back(tmp_path, capsys):
    out = tmp_path / "small.yaml"
    assert main(["import", small(tmp_path), "-o", str(out), "--name", "tiny"]) == 0
    text = out.read_text()
    assert "name: tiny" in text and "source:" in text
    assert main(["report", str(out), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["totals"]["macs"] == 8 * 16 * 16 * 27 + 80


def test_import_errors_are_one_line(tmp_path, capsys):
    for argv, what in ((["import", small(tmp_path), "--input", "3x8x8"], "--input"),
                       (["import", "nope.module:thing"], "importing nope.module failed"),
                       (["import", "justaword"], "SOURCE must be"),
                       (["import", str(tmp_path / "none.py") + ":Net"], "no such Python file"),
                       (["report", str(tmp_path / "none.onnx")], "no such ONNX file")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("cnncost: error:") and what in err and err.count("\n") == 1


def test_skip_unknown_lists_nodes_in_footer_and_json(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    y = g.op("Conv", ["x", g.w(4, 3, 1, 1)], name="c")
    y = g.op("Celu", [y], name="weird")
    path = g.save(tmp_path / "u.onnx", y)
    assert main(["report", path]) == 2
    err = capsys.readouterr().err
    assert "node 'weird' (Celu, domain ai.onnx)" in err and "Conv" in err
    assert main(["report", path, "--skip-unknown"]) == 0
    assert "not counted (1 nodes skipped" in capsys.readouterr().out
    assert main(["report", path, "--skip-unknown", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["not_counted"] == ["weird (Celu, domain ai.onnx)"]
    assert main(["fit", path, "--gpu", "a100-80gb"]) == 2
    assert "node 'weird' (Celu" in capsys.readouterr().err
    assert main(["fit", path, "--gpu", "a100-80gb", "--skip-unknown"]) == 0
    assert "fits" in capsys.readouterr().out.lower()


def test_import_python_file_and_module(tmp_path, capsys):
    pytest.importorskip("torch")
    tvm = pytest.importorskip("torchvision")
    src = tmp_path / "net.py"
    src.write_text("import torch\n\nclass Net(torch.nn.Module):\n"
                   "    def __init__(self):\n        super().__init__()\n"
                   "        self.conv = torch.nn.Conv2d(3, 4, 3)\n"
                   "        self.act = torch.nn.ReLU()\n\n"
                   "    def forward(self, x):\n        return self.act(self.conv(x))\n")
    assert main(["import", f"{src}:Net", "--input", "3x10x12"]) == 0
    text = capsys.readouterr().out
    assert "conv: {c: 4, k: 3}" in text and f"source: \"{src}:Net\"" in text
    out = tmp_path / "r18.yaml"
    assert main(["import", "torchvision.models:resnet18", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", str(out), "-f", "json"]) == 0
    model = tvm.models.resnet18()
    assert json.loads(capsys.readouterr().out)["totals"]["params"] == sum(
        p.numel() for p in model.parameters())
