"""Fit the time model's constants (src/cnncost/data/timing.yaml) to the measurements marked
``fit: true`` in src/cnncost/data/measurements.yaml, by Nelder-Mead on the squared log error of
the predicted throughput. Held-out measurements are never read by the objective.

    PYTHONPATH=src python scripts/fit_time_model.py           # fit, print, write timing.yaml
    PYTHONPATH=src python scripts/fit_time_model.py --check   # only print the current errors
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

from cnncost.analysis import calibration, timing

PATH = Path(__file__).resolve().parents[1] / "src" / "cnncost" / "data" / "timing.yaml"
#: constants that are shares of a peak stay in (0, 1]; the Winograd gain stays in [1, 2.25]:
#: F(2x2, 3x3), the transform of cuDNN's fused FP32 Winograd kernels, saves 2.25x multiplies
SHARES = ("gemm_fp32", "gemm_tc", "gemm_tf32", "mem_eff", "dw_mem_eff", "dw_backward")


def clamp(k: dict[str, float]) -> dict[str, float]:
    out = dict(k)
    for name in SHARES:
        out[name] = min(out[name], 1.0)
    out["winograd_fp32"] = min(max(out["winograd_fp32"], 1.0), 2.25)
    return out


def loss(k: dict[str, float]) -> float:
    errs = [math.log(c.predicted / c.measured) for c in calibration.compare(clamp(k), fit_only=True)]
    return sum(e * e for e in errs) / len(errs)


def nelder_mead(f, x0: list[float], steps: int = 1500, scale: float = 0.3) -> list[float]:
    """Minimise f over R^n from x0 (log-parameters): the textbook simplex method."""
    n = len(x0)
    simplex = [list(x0)] + [[x + (scale if i == j else 0.0) for j, x in enumerate(x0)]
                            for i in range(n)]
    values = [f(p) for p in simplex]
    for _ in range(steps):
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex, values = [simplex[i] for i in order], [values[i] for i in order]
        if values[-1] - values[0] < 1e-7:
            break
        centroid = [sum(p[j] for p in simplex[:-1]) / n for j in range(n)]

        def towards(t: float) -> list[float]:
            return [c + t * (w - c) for c, w in zip(centroid, simplex[-1])]

        reflected = towards(-1.0)
        fr = f(reflected)
        if fr < values[0]:
            expanded = towards(-2.0)
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = towards(0.5)
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:  # shrink towards the best point
                best = simplex[0]
                simplex = [best] + [[b + 0.5 * (x - b) for b, x in zip(best, p)]
                                    for p in simplex[1:]]
                values = [values[0]] + [f(p) for p in simplex[1:]]
    return simplex[min(range(n + 1), key=values.__getitem__)]


def write(k: dict[str, float]) -> None:
    text = PATH.read_text(encoding="utf-8")
    for name, value in k.items():  # keep the comments in their column
        text = re.sub(rf"^  {name}: \S+ *(#.*)$",
                      lambda m: f"  {name}: {value:.4g}".ljust(24) + m.group(1), text, flags=re.M)
    PATH.write_text(text, encoding="utf-8")


def report() -> None:
    s = calibration.summary(calibration.compare())
    for label, v in s.items():
        print(f"{label:9} n={v['count']:3}  median |error| {v['median_abs_error']:.1%}  "
              f"worst {v['worst_abs_error']:.1%}  worst ratio {v['worst_ratio']:.2f}x")


def main() -> int:
    if "--check" not in sys.argv:
        k0 = timing.constants()
        names = list(k0)
        best = nelder_mead(lambda x: loss(dict(zip(names, map(math.exp, x)))),
                           [math.log(k0[n]) for n in names])
        k = clamp(dict(zip(names, map(math.exp, best))))
        write(k)
        timing.constants.cache_clear()
        print("fitted:", {n: float(f"{v:.4g}") for n, v in k.items()})
    report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
