"""The other tools of the benchmark (``benchmarks/run.py``): cold torch processes counting
resnet152 with fvcore, ptflops, thop, torchinfo and torch's FlopCounterMode at one thread, and
the hook for cold ONNX reports against onnx-tool."""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: one torch thread, as the issue asks: the figures compare one core against one core
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

_PRELUDE = """
import torch, torchvision
torch.set_num_threads(1)
model = torchvision.models.{name}().eval()
x = torch.zeros(1, 3, 224, 224)
"""

COUNT = {
    "fvcore": """
from fvcore.nn import FlopCountAnalysis
a = FlopCountAnalysis(model, x)
a.unsupported_ops_warnings(False); a.uncalled_modules_warnings(False)
count = a.total()
""",
    "ptflops": """
from ptflops import get_model_complexity_info
count, _ = get_model_complexity_info(model, (3, 224, 224), as_strings=False,
                                     print_per_layer_stat=False, verbose=False)
""",
    "thop": """
from thop import profile
count, _ = profile(model, inputs=(x,), verbose=False)
""",
    "torchinfo": """
from torchinfo import summary
count = summary(model, input_size=(1, 3, 224, 224), verbose=0).total_mult_adds
""",
    "FlopCounterMode": """
from torch.utils.flop_counter import FlopCounterMode
with torch.no_grad(), FlopCounterMode(display=False) as mode:
    model(x)
count = mode.get_total_flops()  # FLOPs: 2 per multiply-add
""",
}

#: what each tool's number means, for the notes column
MEANS = {"fvcore": "fvcore 'flops' (1 per MAC, + BN)", "ptflops": "ptflops MACs (+ other ops)",
         "thop": "thop MACs", "torchinfo": "torchinfo mult-adds",
         "FlopCounterMode": "FLOPs = 2 x MACs"}

_MODULE = {"fvcore": "fvcore", "ptflops": "ptflops", "thop": "thop", "torchinfo": "torchinfo",
           "FlopCounterMode": "torch"}


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def available() -> list[str]:
    """The peer tools installed here (torch and torchvision are needed by all)."""
    if not (have("torch") and have("torchvision")):
        return []
    return [tool for tool, module in _MODULE.items() if have(module)]


def script(tool: str, name: str = "resnet152") -> str:
    """A cold process that builds ``name`` and counts it with ``tool``; prints the count."""
    return (_PRELUDE.format(name=name) + COUNT[tool]
            + "print(int(count), sum(p.numel() for p in model.parameters()))\n")


def onnx_hook() -> str | None:
    """Why the ONNX comparison cannot run here, or None when it can: it needs ``.onnx``
    support in cnncost (``cnncost.importers.from_onnx``), onnx-tool, and torch to export the
    file. The run itself is :func:`onnx_commands` (``benchmarks/import_onnx.py`` has more)."""
    if not have("cnncost.importers"):
        return "skipped: this branch has no .onnx support (cnncost.importers)"
    if not (have("onnx_tool") and have("torch") and have("torchvision")):
        return "skipped: onnx-tool, torch or torchvision is not installed"
    return None


EXPORT = """
import sys, torch, torchvision
torch.onnx.export(torchvision.models.resnet50().eval(), (torch.zeros(1, 3, 224, 224),),
                  sys.argv[1], dynamo=False, input_names=["x"])
"""

ONNX_TOOL = """
import sys, onnx_tool
m = onnx_tool.Model(sys.argv[1])
m.graph.shape_infer({"x": onnx_tool.create_ndarray_f32((1, 3, 224, 224))})
m.graph.profile()
print(int(m.graph.macs[0]), int(m.graph.params))
"""


def onnx_commands(python: str, cnncost: list[str], folder: Path) -> dict[str, list[str]]:
    """Export resnet50 to ``folder`` once; the two cold commands to compare on that file."""
    import subprocess

    path = folder / "resnet50.onnx"
    if not path.exists():
        subprocess.run([python, "-c", EXPORT, str(path)], check=True, capture_output=True)
    return {"cnncost report resnet50.onnx": [*cnncost, "report", str(path)],
            "onnx-tool Model + shape_infer + profile, resnet50.onnx": [python, "-c", ONNX_TOOL, str(path)]}
