"""How fast is the numpy reference pass? VGG-16 at 3x224x224, numpy vs PyTorch CPU, same threads.

    python benchmarks/reference_speed.py [--threads N] [--repeat R] [--model vgg16] [--input 3x224x224]

Both sides run float32, batch 1, on the same weights; the thread count is fixed for OpenBLAS
(numpy) through the environment before numpy loads, and for torch with ``torch.set_num_threads``.
Prints the median of R timed runs after one warm-up; not a test (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _options() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", default="vgg16")
    ap.add_argument("--input", default="3x224x224")
    return ap.parse_args()


def _timed(fn, repeat: int) -> float:
    """Median seconds of ``repeat`` calls after one warm-up."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    opts = _options()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(opts.threads)
    if "numpy" in sys.modules:
        raise SystemExit("numpy was imported before the thread count was set")

    import numpy as np
    from tabulate import tabulate

    from cnncost.api import build_graph
    from cnncost.verify.reference import random_input, random_weights, run

    graph = build_graph(opts.model, input=opts.input)
    t0 = time.perf_counter()
    weights = random_weights(graph, seed=0)
    t_weights = time.perf_counter() - t0
    x = random_input(graph, 1, 0)

    result = {}
    t_numpy = _timed(lambda: result.__setitem__("v", run(graph, weights, x)), opts.repeat)
    rows = [["numpy reference: random weights", f"{t_weights:.2f}", ""],
            ["numpy reference: forward + checks", f"{t_numpy:.2f}", "1.00"]]
    verdict = "all layers match" if result["v"].ok else "MISMATCH"
    try:
        import torch
        import torchvision
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(opts.threads)
        model = torchvision.models.get_model(opts.model, weights=None).eval()
        state = {f"{n.name}.{k}": torch.from_numpy(np.ascontiguousarray(t))
                 for n in graph.nodes[1:] for k, t in weights.get(n.index, {}).items()}
        model.load_state_dict(state, strict=False)
        xt = torch.from_numpy(x)

        def forward() -> None:
            with torch.no_grad():
                result["t"] = model(xt)

        t_torch = _timed(forward, opts.repeat)
        diff = float(np.max(np.abs(result["t"].numpy() - result["v"].output)))
        rows.append([f"torch {torch.__version__} CPU forward", f"{t_torch:.2f}",
                     f"{t_torch / t_numpy:.2f}"])
        verdict += f"; max |numpy - torch| logit difference {diff:.2g} (float32)"
    macs = sum(c.counted_macs for c in result["v"].layers)
    print(f"{opts.model} at {opts.input}, batch 1, float32, {opts.threads} thread(s), "
          f"median of {opts.repeat}; {macs / 1e9:.2f} GMACs")
    print(tabulate(rows, headers=["step", "seconds", "time / numpy"], tablefmt="github",
                   disable_numparse=True, colalign=("left", "right", "right")))
    if torch is not None:
        print(f"numpy / torch time ratio: {t_numpy / t_torch:.2f}")
    print(verdict)


if __name__ == "__main__":
    main()
