#!/usr/bin/env python
"""A design-space sweep on Dask's local process scheduler (docs/performance.md, "Larger sweeps").

``python benchmarks/dask_sweep.py [--points N] [--workers W]`` (needs ``pip install dask``;
dask is not a cnncost dependency). The space is indexed: a task gets only a range of integers
(``start, stop``), turns each into a grid point itself (:func:`point`) and returns only the
compact results it was asked for, so neither the points nor the reports cross a process
boundary. The same functions run unchanged as Ray tasks (``ray.remote(analyze_range)``).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

DEPTHS = [[2, 2, 2, 2], [3, 4, 6, 3], [3, 4, 23, 3], [3, 8, 36, 3], [2, 3, 5, 2], [3, 4, 5, 3],
          [3, 4, 7, 3], [4, 4, 6, 3], [3, 4, 6, 4], [2, 2, 8, 2]]
WIDTHS = list(range(16, 144, 8))          # 16 widths (ResNeXt-style width_per_group)
SIZES = list(range(128, 352, 16))         # 14 input sizes
AXES = (DEPTHS, WIDTHS, SIZES)


def size() -> int:
    n = 1
    for axis in AXES:
        n *= len(axis)
    return n


def point(i: int) -> tuple[dict[str, Any], str]:
    """The ``i``-th point of the space (mixed radix, the last axis fastest)."""
    i, s = divmod(i, len(SIZES))
    d, w = divmod(i, len(WIDTHS))
    return {"depths": DEPTHS[d % len(DEPTHS)], "width_per_group": WIDTHS[w]}, \
        f"3x{SIZES[s]}x{SIZES[s]}"


def analyze_range(start: int, stop: int, model: str = "resnet50") -> list[tuple[int, int, int]]:
    """The task: (index, params, MACs) of points ``start..stop-1``. cnncost's caches (parsed
    spec, op rules, block expansions) warm up on the first point of each worker."""
    import cnncost

    out = []
    for i in range(start, stop):
        sets, inp = point(i)
        t = cnncost.analyze(model, input=inp, set=sets).totals
        out.append((i, t.params, t.macs))
    return out


def pareto(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Points no other point beats on both params and MACs (the reduction a NAS keeps)."""
    front, best_macs = [], None
    for row in sorted(rows, key=lambda r: (r[1], r[2])):
        if best_macs is None or row[2] < best_macs:
            front.append(row)
            best_macs = row[2]
    return front


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=100, help="points per task")
    args = ap.parse_args()
    import dask
    from dask import delayed

    n = min(args.points, size())
    t = time.perf_counter()
    serial = analyze_range(0, n)
    t_serial = time.perf_counter() - t
    tasks = [delayed(analyze_range)(a, min(a + args.chunk, n)) for a in range(0, n, args.chunk)]
    t = time.perf_counter()
    with dask.config.set(scheduler="processes", num_workers=args.workers):
        parts = dask.compute(*tasks)
    t_dask = time.perf_counter() - t
    rows = [r for part in parts for r in part]
    assert rows == serial, "the dask run differs from the serial one"
    front = pareto(rows)
    print(f"dask {dask.__version__}: {n} points of a {size():,}-point space, {len(tasks)} tasks "
          f"of {args.chunk}, {args.workers} worker processes")
    print(f"serial in this process: {t_serial:.2f} s ({n / t_serial:,.0f} points/s)")
    print(f"dask local processes:   {t_dask:.2f} s ({n / t_dask:,.0f} points/s, incl. starting "
          f"the workers); same rows: True")
    print(f"Pareto front (params, MACs): {len(front)} points, e.g. {front[:2]}")


if __name__ == "__main__":
    main()
