"""Sweep points over worker processes (``cnncost sweep --workers N``).

Each worker gets the parsed spec and the fixed options once (the pool's initializer), then
points in chunks; a point's result is a small dict (totals and shape texts, or the error text),
so nothing but the point goes out and nothing but the row comes back. ``Pool.imap`` hands
results back in the order of the points, whatever the worker finished first, so the output
does not depend on the number of workers. Workers ignore SIGINT: on Ctrl-C the parent stops
them (``terminate``) and the command ends with the usual one line and exit code 130.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

_JOB: dict[str, Any] = {}


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _start(point_row: Callable[..., dict], options: dict[str, Any]) -> None:
    """Worker initializer: keep the job; leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _JOB.update(point_row=point_row, options=options)


def _run(point: tuple) -> dict[str, Any]:
    return _JOB["point_row"](point=point, **_JOB["options"])


def _context() -> Any:
    """fork where it is safe (Linux, one thread: nothing to re-import, the spec inherited),
    else forkserver or spawn (the spec and options are pickled once per worker)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def imap_points(point_row: Callable[..., dict], points: list[tuple], options: dict[str, Any],
                workers: int) -> Iterator[dict[str, Any]]:
    """``point_row(point=p, **options)`` for every point, in order, over ``workers``
    processes. The pool is always stopped on the way out (an error, Ctrl-C, an early stop)."""
    chunk = max(1, min(64, len(points) // (workers * 8)))
    pool = _context().Pool(workers, initializer=_start, initargs=(point_row, options))
    try:
        yield from pool.imap(_run, points, chunksize=chunk)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
