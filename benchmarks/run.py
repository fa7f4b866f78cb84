#!/usr/bin/env python
"""cnncost speed benchmarks, run on demand: ``python benchmarks/run.py [--quick] [--json FILE]``.

Prints one table: cold CLI processes, in-process numeric analysis per zoo model, the whole zoo,
symbolic analysis, a 1,000-variant ResNet design-space sweep through the Python API, the numpy
reference pass (when ``cnncost.verify.reference`` exists) and, when torch + fvcore / ptflops are
installed, the same models through those counters in the same run, with ratios. Times are wall
clock (``time.perf_counter``); "cpu" is user+sys of a child process. Cold processes report the
best of ``--repeat`` runs after one untimed warm-up run (the median is in the notes); in-process
figures are the best of several calls, as ``timeit`` advises (slower runs measure the other
processes on the machine, not the code).

Not a unit test: nothing here asserts; the ``target`` column says whether a goal was met.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS: list[dict[str, Any]] = []

TORCH_COUNT = """
import sys, time
t0 = time.perf_counter()
import torch, torchvision
model = getattr(torchvision.models, {name!r})().eval()
x = torch.zeros(1, 3, 224, 224)
if {tool!r} == "fvcore":
    from fvcore.nn import FlopCountAnalysis
    a = FlopCountAnalysis(model, x)
    a.unsupported_ops_warnings(False); a.uncalled_modules_warnings(False)
    count = a.total()
else:
    from ptflops import get_model_complexity_info
    count, _ = get_model_complexity_info(model, (3, 224, 224), as_strings=False,
                                         print_per_layer_stat=False, verbose=False)
print(int(count), sum(p.numel() for p in model.parameters()))
"""


# ---- measuring ---------------------------------------------------------------------------------


def cnncost_cmd() -> list[str]:
    """The installed console script next to this interpreter, else the module entry point."""
    script = Path(sys.executable).with_name("cnncost")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cnncost.cli import run; run()"]


def child_env(bytecode_cache: bool) -> dict[str, str]:
    """The environment of the cold processes. With ``bytecode_cache`` (the default) compiled
    bytecode is kept under a temporary folder, as any pip install keeps it next to the sources;
    without it, the caller's environment is used as is (PYTHONDONTWRITEBYTECODE included)."""
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "cnncost-bench-pycache")
    return env


ENV: dict[str, str] = dict(os.environ)


def cold(cmd: list[str], repeat: int) -> dict[str, Any]:
    """Run a fresh process ``repeat`` times after one untimed warm-up run: median wall and cpu
    seconds, min wall, last stdout."""
    subprocess.run(cmd, capture_output=True, cwd=ROOT, env=ENV)
    walls, cpus, out = [], [], ""  # cpu: user + sys seconds of the child
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=ENV)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
        out = proc.stdout
    return {"wall": statistics.median(walls), "min": min(walls), "cpu": min(cpus),
            "stdout": out}


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, cpu seconds of this process, result) of one call."""
    t, c = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - t, time.process_time() - c, result


def warm(fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    """The first call and the best of the next ``repeat`` calls (wall and cpu seconds). The
    best, not the mean, as ``timeit`` advises: slower runs measure other processes."""
    first, first_cpu, result = timed(fn)
    walls, cpus = [first], [first_cpu]
    for _ in range(repeat):
        wall, cpu, result = timed(fn)
        walls.append(wall)
        cpus.append(cpu)
    best = slice(1, None) if repeat else slice(None)
    return {"first": first, "first_cpu": first_cpu, "best": min(walls[best]),
            "cpu": min(cpus[best]), "result": result}


def record(section: str, what: str, seconds: float | None, note: str = "",
           target: float | None = None, ratio: float | None = None,
           min_ratio: float | None = None, cpu: float | None = None) -> None:
    """One table row: wall ``seconds`` and the ``cpu`` seconds of the same run; ``target`` is a
    limit in seconds, ``ratio`` how many times longer this row took than cnncost doing the same
    work, ``min_ratio`` the least ratio aimed for."""
    RESULTS.append({"section": section, "what": what, "seconds": seconds, "cpu": cpu,
                    "note": note, "target": target, "ratio": ratio, "min_ratio": min_ratio})


def met(r: dict[str, Any]) -> str | None:
    """'ok', 'ok on cpu' (the wall time missed on a busy machine, the work itself did not),
    'MISSED', or None for a row without a target."""
    if r["seconds"] is None:
        return None
    if r["target"] is not None:
        if r["seconds"] < r["target"]:
            return "ok"
        return "ok on cpu" if r["cpu"] is not None and r["cpu"] < r["target"] else "MISSED"
    if r["min_ratio"] is not None and r["ratio"] is not None:
        return "ok" if r["ratio"] >= r["min_ratio"] else "MISSED"
    return None


def fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


# ---- benchmarks ------------------------------------------------------------------------------


def bench_cli(repeat: int) -> float:
    cmd = cnncost_cmd()
    r = cold([*cmd, "report", "resnet152"], repeat)
    r = cold([*cmd, "report", "resnet152"], repeat)
    record("cold CLI", "cnncost report resnet152", r["min"], f"median {fmt_s(r['wall'])}",
           target=0.5, cpu=r["cpu"])
    r2 = cold([sys.executable, "-c", "pass"], repeat)
    record("cold CLI", "python -c pass (interpreter start)", r2["min"], "floor for any CLI",
           cpu=r2["cpu"])
    r3 = cold([*cmd, "report", "resnet152", "--input", "3xHxW"], max(1, repeat // 2))
    record("cold CLI", "cnncost report resnet152 --input 3xHxW", r3["min"],
           f"symbolic; median {fmt_s(r3['wall'])}", target=2.0, cpu=r3["cpu"])
    return r["min"]


def bench_zoo(repeat: int) -> dict[str, float]:
    import cnncost
    from cnncost.spec.zoo import model_names

    names = model_names()
    per_model: dict[str, float] = {}
    def zoo() -> None:
        for name in names:
            cnncost.analyze(name)

    first = warm(zoo, 1)
    for name in names:
        w = warm(lambda n=name: cnncost.analyze(n), repeat)
        per_model[name] = w["best"]
        report = w["result"]
        note = f"{len(report.rows)} layers, {report.totals.macs / 1e9:.3g} GMACs"
        record("in-process numeric", f"analyze({name!r})", w["best"], note,
               target=0.010 if name == "resnet152" else None, cpu=w["cpu"])
    record("in-process numeric", f"whole zoo, first pass ({len(names)} models)", first["first"],
           "includes reading and checking the YAML files", cpu=first["first_cpu"])
    record("in-process numeric", f"whole zoo, again ({len(names)} models)", first["best"],
           cpu=first["cpu"])
    return per_model


def bench_symbolic() -> None:
    import cnncost
    from cnncost.spec.zoo import model_names

    for name in ("resnet152", "densenet201"):
        if name not in model_names():
            record("symbolic", f"analyze({name!r}, input='3xHxW')", None, "not in the zoo yet")
            continue
        had_sympy = "sympy" in sys.modules
        w = warm(lambda n=name: cnncost.analyze(n, input="3xHxW"), 2)
        record("symbolic", f"analyze({name!r}, input='3xHxW')", w["first"],
               ("first call" + ("" if had_sympy else ", incl. sympy import")
                + f"; again {fmt_s(w['best'])}; {len(w['result'].rows)} layers"),
               target=2.0 if name == "resnet152" else None, cpu=w["first_cpu"])


def sweep_points(n: int) -> list[tuple[dict[str, Any], str]]:
    """ResNet-50-sized bottleneck variants: depths x widths x input sizes, ``n`` of them."""
    depths = [[3, 4, 6, 3], [2, 3, 5, 2], [3, 4, 5, 3], [3, 4, 7, 3], [2, 4, 6, 2],
              [3, 3, 6, 3], [3, 5, 6, 3], [4, 4, 6, 3], [3, 4, 6, 4], [2, 2, 8, 2]]
    widths = [32, 40, 48, 56, 64, 72, 80, 88, 96, 128]
    sizes = [128, 160, 176, 192, 208, 224, 240, 256, 288, 320]
    grid = itertools.product(depths, widths, sizes)
    return [({"depths": d, "width_per_group": w}, f"3x{s}x{s}")
            for d, w, s in itertools.islice(grid, n)]


def bench_sweep(n: int, repeat_cli: int) -> None:
    import cnncost

    points = sweep_points(n)
    elapsed, cpu, macs = timed(lambda: [cnncost.analyze("resnet50", input=inp, set=sets).totals.macs
                                        for sets, inp in points])
    record("sweep", f"{len(points)} ResNet-50-sized variants, Python API (set=, input=)",
           elapsed, f"{len(points) / elapsed:,.0f} variants/s; MACs {min(macs) / 1e9:.2f}–"
                    f"{max(macs) / 1e9:.2f} G", target=10.0 if len(points) >= 1000 else None,
           cpu=cpu)
    axes = ["--set", "depths=[2,3,5,2],[3,4,6,3],[3,4,23,3],[3,8,36,3]",
            "--set", "width_per_group=32,48,64,96,128", "--input", "128,160,192,224,256"]
    r = cold([*cnncost_cmd(), "sweep", "resnet50", *axes, "-f", "csv"], repeat_cli)
    points_cli = len(r["stdout"].strip().splitlines()) - 1
    record("sweep", f"cnncost sweep resnet50 ({points_cli} points, cold process)", r["min"],
           f"median {fmt_s(r['wall'])}", cpu=r["cpu"])


def bench_reference() -> None:
    """The numpy reference pass of VGG-16 at 224, if another module provides it."""
    import importlib.util

    if importlib.util.find_spec("cnncost.verify.reference") is None:
        record("numpy reference", "VGG-16 forward at 224", None, "skipped: no cnncost.verify.reference")
        return
    import cnncost
    import cnncost.verify.reference as ref

    if not callable(getattr(ref, "verify", None)):
        record("numpy reference", "VGG-16 forward at 224", None,
               "skipped: cnncost.verify.reference has no verify()")
        return
    graph = cnncost.build_graph("vgg16", input="3x224x224")
    wall, cpu, result = timed(lambda: ref.verify(graph))
    record("numpy reference", "VGG-16 at 224: cnncost.verify.reference.verify(graph)", wall,
           f"random weights + one checked forward pass, batch 1; ok={getattr(result, 'ok', '?')}",
           cpu=cpu)


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def torch_count(tool: str, model: Any, x: Any) -> int:
    """What fvcore (its 'flops': one per fused multiply-add) or ptflops (MACs) count."""
    if tool == "fvcore":
        from fvcore.nn import FlopCountAnalysis

        a = FlopCountAnalysis(model, x)
        a.unsupported_ops_warnings(False)
        a.uncalled_modules_warnings(False)
        return int(a.total())
    from ptflops import get_model_complexity_info

    count, _ = get_model_complexity_info(model, tuple(x.shape[1:]), as_strings=False,
                                         print_per_layer_stat=False, verbose=False)
    return int(count)


def bench_torch(models: list[str], per_model: dict[str, float], cli_wall: float | None,
                repeat: int) -> None:
    tools = [t for t in ("fvcore", "ptflops") if have(t)]
    if not have("torch") or not have("torchvision") or not tools:
        record("torch counters", "fvcore / ptflops", None, "skipped: torch, torchvision and "
               "fvcore or ptflops are not installed")
        return
    r = cold([sys.executable, "-c", "import torch, torchvision"], repeat)
    record("cold process vs torch", "python -c 'import torch, torchvision'", r["min"],
           f"median {fmt_s(r['wall'])}", ratio=r["min"] / cli_wall if cli_wall else None,
           cpu=r["cpu"])
    for tool in tools:
        code = TORCH_COUNT.format(name="resnet152", tool=tool)
        r = cold([sys.executable, "-c", code], repeat)
        count, params = map(int, r["stdout"].split())
        record("cold process vs torch", f"python: import torch + {tool} on resnet152", r["min"],
               f"median {fmt_s(r['wall'])}; counted {count / 1e9:.3f} G, {params:,} params",
               ratio=r["min"] / cli_wall if cli_wall else None,
               min_ratio=10.0 if tool == "fvcore" else None, cpu=r["cpu"])
    import torch
    import torchvision

    x = torch.zeros(1, 3, 224, 224)
    for name in models:
        builder = getattr(torchvision.models, name, None)
        if builder is None or name not in per_model:
            continue
        build_s, build_cpu, model = timed(lambda b=builder: b().eval())
        record("in-process vs torch", f"torchvision.models.{name}() construction", build_s,
               ratio=build_s / per_model[name], cpu=build_cpu)
        for tool in tools:
            w = warm(lambda t=tool, m=model: torch_count(t, m, x), 1)
            record("in-process vs torch", f"{tool} count of {name} (model already built)",
                   w["best"], f"{w['result'] / 1e9:.3f} G counted; best of 2",
                   ratio=w["best"] / per_model[name], cpu=w["cpu"])


# ---- output ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    busy = " (busy: more runnable processes than cores)" if one > (os.cpu_count() or 1) else ""
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores{busy}"


def table() -> str:
    rows = [["section", "benchmark", "time", "cpu", "target", "× cnncost", "notes"]]
    for r in RESULTS:
        target, ok = "-", met(r)
        if r["target"] is not None:
            target = f"< {fmt_s(r['target'])}"
        elif r["min_ratio"] is not None:
            target = f">= {r['min_ratio']:g}×"
        if ok is not None:
            target += f" {ok}"
        ratio = f"{r['ratio']:.1f}×" if r["ratio"] else "-"
        rows.append([r["section"], r["what"], fmt_s(r["seconds"]), fmt_s(r["cpu"]), target,
                     ratio, r["note"]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i not in (2, 3) else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="cold-process runs per figure")
    ap.add_argument("--quick", action="store_true", help="fewer repeats, 200-point sweep")
    ap.add_argument("--no-torch", action="store_true", help="skip fvcore / ptflops")
    ap.add_argument("--torch-models", default="alexnet,vgg16,resnet50,resnet152,densenet201",
                    help="comma list, or 'all' for every zoo model torchvision has")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="run cold processes in the caller's environment as is")
    args = ap.parse_args()
    ENV.clear()
    ENV.update(child_env(not args.no_bytecode_cache))
    repeat = 2 if args.quick else args.repeat
    print(f"machine: {machine()}", flush=True)
    print(f"load average at start: {load()}", flush=True)
    # The numeric path first, in a process without sympy (as a numeric user's process is: a
    # heap full of sympy objects makes every full garbage collection slower); then symbolic
    # (its first call imports sympy); torch last (it imports sympy too).
    per_model = bench_zoo(repeat=3 if args.quick else 20)
    bench_sweep(200 if args.quick else 1000, max(1, repeat // 2))
    bench_symbolic()
    cli_wall = bench_cli(repeat)
    bench_reference()
    if not args.no_torch:
        names = sorted(per_model) if args.torch_models == "all" else \
            [m.strip() for m in args.torch_models.split(",") if m.strip()]
        bench_torch(names, per_model, cli_wall, max(1, repeat // 2))
    print(table())
    print(f"load average at end: {load()}; 'time' is wall clock, 'cpu' the user+sys time of the "
          "same run; 'ok on cpu': the wall time missed because other processes held the cores")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "load": load(), "rows": RESULTS},
                                        indent=2))
    return 1 if any(met(r) == "MISSED" for r in RESULTS) else 0


if __name__ == "__main__":
    sys.exit(main())
