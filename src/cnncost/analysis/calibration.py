"""Predicted against measured throughput: the published measurements in
``data/measurements.yaml``, the time model's prediction for each, and the error summary that
docs/time.md prints (median and worst, fitted and held-out apart)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


#: Paleo's (Qi et al., ICLR 2017) single efficiency for every layer, a baseline to compare with
PALEO_SHARE = 0.62


@lru_cache(maxsize=1)
def measurements() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(sources by key, measurement entries) from ``data/measurements.yaml``."""
    from importlib.resources import files

    import yaml

    raw = yaml.safe_load((files("cnncost") / "data" / "measurements.yaml")
                         .read_text(encoding="utf-8"))
    return raw["sources"], raw["measurements"]


@dataclass(frozen=True)
class Comparison:
    """One measurement and its prediction."""

    entry: dict[str, Any]
    predicted: float
    ideal: float
    paleo: float = 0.0  # baseline: every FLOP at 62% of the peak (Paleo, ICLR 2017)

    @property
    def measured(self) -> float:
        return float(self.entry["img_s"])

    @property
    def error(self) -> float:
        """Relative error of the prediction: predicted / measured - 1."""
        return self.predicted / self.measured - 1

    @property
    def fit(self) -> bool:
        return bool(self.entry["fit"])


@lru_cache(maxsize=None)
def _step(model: str, gpu: str, batch: int, dtype: str, train: bool, optimizer: str) -> Any:
    from ..spec.expand import build
    from ..spec.zoo import load_spec
    from .timing import plan_step

    return plan_step(build(load_spec(model), {}, None, False), gpu, batch, dtype, train,
                     optimizer)


def step_of(entry: dict[str, Any]) -> Any:
    """The planned step of a measurement (cached: the fit evaluates it many times)."""
    train = entry["mode"] == "train"
    return _step(entry["model"], entry["gpu"], int(entry["batch"]), entry["dtype"], train,
                 entry.get("optimizer", "momentum") if train else "none")


def compare(k: dict[str, float] | None = None, fit_only: bool = False) -> list[Comparison]:
    """Every measurement (or only those of the fit) with its predicted and ideal throughput
    (constants ``k``)."""
    from .timing import evaluate

    out = []
    for entry in measurements()[1]:
        if fit_only and not entry["fit"]:
            continue
        r = evaluate(step_of(entry), k)
        paleo = PALEO_SHARE * r.peak_flops * r.batch / r.step_flops
        out.append(Comparison(entry, r.throughput_img_s, r.ideal_throughput_img_s, paleo))
    return out


def summary(comparisons: list[Comparison]) -> dict[str, dict[str, float]]:
    """Median and worst absolute relative error, and the worst ratio, per set."""
    out = {}
    for label, chosen in (("fit", [c for c in comparisons if c.fit]),
                          ("held_out", [c for c in comparisons if not c.fit]),
                          ("all", comparisons)):
        if not chosen:
            continue
        errs = [abs(c.error) for c in chosen]
        ratios = [max(c.predicted / c.measured, c.measured / c.predicted) for c in chosen]
        out[label] = {"count": len(chosen), "median_abs_error": statistics.median(errs),
                      "worst_abs_error": max(errs), "worst_ratio": max(ratios),
                      "ideal_median_ratio": statistics.median(c.ideal / c.measured
                                                              for c in chosen),
                      "paleo_median_abs_error": statistics.median(abs(c.paleo / c.measured - 1)
                                                                  for c in chosen)}
    return out
