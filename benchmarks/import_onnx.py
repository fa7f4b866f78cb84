#!/usr/bin/env python
"""Cold ``cnncost report resnet50.onnx`` against onnx-tool's profiler on the same file, in one run.

``python benchmarks/import_onnx.py [--model resnet50] [--repeat 3] [--keep DIR]``: exports the
torchvision model with ``torch.onnx.export`` (static 1×3×224×224 and with dynamic N/H/W), then
times fresh processes (best of ``--repeat`` after one untimed warm-up) of

- ``cnncost report FILE -f json`` (import + analysis + rendering, interpreter start included);
- onnx-tool: ``Model(FILE)``, ``shape_infer``, ``profile`` (the same work), and on the dynamic
  file without given shapes (it refuses symbolic inputs);
- fvcore's ``FlopCountAnalysis`` on the torch model (no file: it traces torch).

and prints each tool's MACs and params with the conv+linear part cnncost reports. Needs torch,
torchvision, onnx, onnx-tool and fvcore; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONNX_TOOL = """
import json, sys, onnx_tool
m = onnx_tool.Model(sys.argv[1])
shapes = None if sys.argv[2] == "-" else {sys.argv[2]: onnx_tool.create_ndarray_f32((1, 3, 224, 224))}
try:
    m.graph.shape_infer(shapes)
    m.graph.profile()
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:120]}"})); sys.exit(0)
convs = sum(n.macs[0] for n in m.graph.nodemap.values() if n.op_type in ("Conv", "Gemm"))
print(json.dumps({"macs": int(m.graph.macs[0]), "conv_gemm_macs": int(convs),
                  "params": int(m.graph.params)}))
"""

FVCORE = """
import json, sys, torch, torchvision
from fvcore.nn import FlopCountAnalysis
model = getattr(torchvision.models, sys.argv[1])().eval()
a = FlopCountAnalysis(model, torch.zeros(1, 3, 224, 224))
a.unsupported_ops_warnings(False); a.uncalled_modules_warnings(False)
print(json.dumps({"macs": int(a.total()), "by_operator": {k: int(v) for k, v in a.by_operator().items()},
                  "params": sum(p.numel() for p in model.parameters())}))
"""


def export(name: str, folder: Path) -> tuple[Path, Path]:
    import torch
    import torchvision

    model = getattr(torchvision.models, name)().eval()
    x = torch.zeros(1, 3, 224, 224)
    static, dyn = folder / f"{name}.onnx", folder / f"{name}_dyn.onnx"
    torch.onnx.export(model, (x,), str(static), dynamo=False, input_names=["x"])
    torch.onnx.export(model, (x,), str(dyn), dynamo=False, input_names=["x"],
                      dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}})
    return static, dyn


def timed(argv: list[str], repeat: int) -> tuple[float, str]:
    """Best wall time of ``repeat`` fresh processes (after one warm-up) and the last stdout."""
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    subprocess.run(argv, capture_output=True, text=True, env=env)
    best, out = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
        best = min(best, time.perf_counter() - start)
        out = done.stdout if done.returncode == 0 else done.stderr
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet50")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the exported files here instead of a temp folder")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    static, dyn = export(args.model, folder)
    py = sys.executable
    cli = [py, "-c", "import sys; from cnncost.cli import main; sys.exit(main())"]
    rows = []
    t, out = timed([*cli, "report", str(static), "-f", "json"], args.repeat)
    totals = json.loads(out)["totals"] if out.startswith("{") else {"error": out.strip()}
    rows.append(("cnncost report (static)", t, totals))
    t, out = timed([*cli, "report", str(dyn), "-f", "json"], args.repeat)
    sym = json.loads(out)["totals"] if out.startswith("{") else {"error": out.strip()}
    rows.append(("cnncost report (dynamic H, W)", t, {"macs": str(sym.get("macs"))[:60] + "…"}))
    t, out = timed([py, "-c", ONNX_TOOL, str(static), "x"], args.repeat)
    rows.append(("onnx-tool profile (static)", t, json.loads(out)))
    t, out = timed([py, "-c", ONNX_TOOL, str(dyn), "-"], 1)
    rows.append(("onnx-tool profile (dynamic)", t, json.loads(out)))
    t, out = timed([py, "-c", FVCORE, args.model], 1)
    rows.append(("fvcore FlopCountAnalysis (torch)", t, json.loads(out)))
    print(f"{args.model}: {static.stat().st_size / 2**20:.1f} MiB ONNX file, best of "
          f"{args.repeat} cold processes")
    for label, t, result in rows:
        print(f"{label:34s} {t * 1000:8.0f} ms  {json.dumps(result)[:160]}")


if __name__ == "__main__":
    main()
