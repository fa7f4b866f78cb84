"""``cnncost time``: training compute of a schedule, and a per-layer roofline with a calibrated
time estimate on a catalog GPU (docs/time.md)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from .app import app, emit
from .options import Format, Input, Set, check_format

FORMATS = ("table", "markdown", "json", "csv", "html")
HEADERS = ["layer", "type", "FLOPs", "bytes", "FLOP/B", "bound", "ideal", "time", "share"]
CSV_HEADERS = ["name", "type", "flops", "bytes", "intensity", "bound", "ideal_s", "time_s",
               "share"]

Model = Annotated[str, typer.Argument(help="bundled model name or spec file path")]
Gpu = Annotated[Optional[str], typer.Option("--gpu", "-g", help="GPU from `cnncost gpus`")]
TimeBatch = Annotated[str, typer.Option("--batch", "-b", help="batch size N")]
TimeTrain = Annotated[bool, typer.Option(
    "--train", help="a training step (forward, backward, optimizer) instead of inference")]
TimeDtype = Annotated[str, typer.Option("--dtype", help="fp32, tf32, fp16, bf16 or amp")]
Optimizer = Annotated[str, typer.Option(
    "--optimizer", help="sgd, momentum, adam, adamw or none (training)")]
Epochs = Annotated[Optional[float], typer.Option("--epochs", help="training epochs (schedule)")]
Images = Annotated[Optional[int], typer.Option(
    "--images", help="training images per epoch (default ImageNet-1K: 1,281,167)")]
Top = Annotated[Optional[int], typer.Option(
    "--top", help="show only the N slowest layers (the totals still cover every layer)")]


@app.command("time")
def time_cmd(
    model: Model, gpu: Gpu = None, batch: TimeBatch = "1", train: TimeTrain = False,
    dtype: TimeDtype = "fp32", optimizer: Optimizer = "momentum", epochs: Epochs = None,
    images: Images = None, input: Input = None, set: Set = None, fmt: Format = "table",
    top: Top = None,
) -> None:
    """How long: FLOPs, bytes, arithmetic intensity and predicted time per layer on a GPU, the
    throughput, and with --train --epochs the compute and duration of a training run."""
    from ..errors import CnnCostError

    check_format(fmt, FORMATS)
    if top is not None and top < 1:
        raise CnnCostError("--top must be at least 1")
    if gpu is None:
        from ..api import build_graph

        build_graph(model, input, set)  # an unknown or broken model is the first thing to say
        if not train or epochs is None:
            raise CnnCostError("give --gpu NAME (see `cnncost gpus`), or --train --epochs E "
                               "for the training compute alone")
        emit(_compute_only(model, epochs, images, input, set, fmt))
        return
    from ..api import predict_time
    from ..spec.bindings import parse_value

    n = parse_value(batch)
    if isinstance(n, bool) or not isinstance(n, int):
        raise CnnCostError(f"--batch must be a whole number >= 1, got {batch!r}")
    r = predict_time(model, gpu, batch=n, dtype=dtype, train=train, optimizer=optimizer,
                input=input, set=set, epochs=epochs, images=images)
    emit(render_time(r, fmt, top))


def _compute_only(model: str, epochs: float, images: int | None, input: str | None,
                  set: Any, fmt: str) -> str:
    from ..analysis.training import IMAGENET_TRAIN, training_compute
    from ..api import analyze
    from ..render.report import jsonable
    from ..render.text import tabular

    report = analyze(model, input=input, set=set, train=True)
    t = training_compute(report, epochs, IMAGENET_TRAIN if images is None else images)
    if fmt == "json":
        return json.dumps(jsonable({"model": report.model, "input": list(report.input),
                                    **t.as_dict()}), indent=2)
    rows = [[k, _num(v)] for k, v in t.as_dict().items()]
    return tabular(["quantity", "value"], rows, fmt, note=compute_line(t),
                   title=f"{report.model} · training compute")


def _num(v: Any) -> str:
    from ..dims import is_symbolic

    if is_symbolic(v):
        return str(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:.6g}"


def compute_line(t: Any) -> str:
    """One line: FLOPs per image, per epoch, in total and in petaflop/s-days."""
    from ..dims import is_symbolic
    from ..render.report import fmt_count

    if is_symbolic(t.flops_per_image):
        return f"training FLOPs per image: {t.flops_per_image}"
    return (f"training compute: {fmt_count(t.flops_per_image)} FLOP per image "
            f"(2 × ({fmt_count(t.forward_macs)} forward + {fmt_count(t.backward_macs)} backward "
            f"MACs)) × {t.images:,} images = {t.flops_per_epoch:.3g} FLOP per epoch; "
            f"{t.epochs:g} epochs: {t.total_flops:.3g} FLOP = {t.pfs_days:.3g} petaflop/s-days")


def _duration(seconds: float) -> str:
    if seconds >= 86400 * 2:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.3g} s"


def verdict(r: Any) -> str:
    """``resnet50 on a100-80gb · train · batch 256 · amp: ~2,400 img/s predicted (ideal bound
    ...); 90 epochs ≈ 13.3 h``."""
    line = (f"{r.model} on {r.gpu} · {r.mode} · batch {r.batch} · {r.dtype}: "
            f"~{_round2(r.throughput_img_s):,} img/s predicted (ideal bound "
            f"{_round2(r.ideal_throughput_img_s):,} img/s); latency {_ms(r.latency_s)} per batch")
    if r.run_s is not None:
        line += f"; {r.epochs:g} epochs ≈ {_duration(r.run_s)}"
    return line


def _round2(x: float) -> int:
    """Two significant figures for big numbers, as a prediction deserves (2,437 -> 2,400)."""
    if x < 100:
        return round(x)
    scale = 10 ** (len(str(int(x))) - 2)
    return int(round(x / scale) * scale)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _rows(r: Any, top: int | None) -> list[Any]:
    layers = list(r.layers)
    if top is not None:
        keep = set(id(x) for x in sorted(layers, key=lambda x: -x.time_s)[:top])
        layers = [x for x in layers if id(x) in keep]
    return layers


def render_time(r: Any, fmt: str, top: int | None = None) -> str:
    """A :class:`cnncost.analysis.timing.TimeResult` in one of FORMATS."""
    from ..render.report import fmt_bytes, fmt_count, jsonable
    from ..render.text import tabular

    if fmt == "json":
        return json.dumps(jsonable(r.to_dict()), indent=2)
    total = r.latency_s
    layers = _rows(r, top)
    if fmt == "csv":
        rows = [[x.name, x.type, repr(x.flops), repr(x.bytes), f"{x.intensity:.6g}", x.bound,
                 f"{x.ideal_s:.6g}", f"{x.time_s:.6g}", f"{x.time_s / total:.6g}"]
                for x in layers]
        return tabular(CSV_HEADERS, rows, "csv")
    rows = [[x.name, x.type, fmt_count(round(x.flops)), fmt_bytes(round(x.bytes)),
             f"{x.intensity:.3g}", x.bound, _ms(x.ideal_s), _ms(x.time_s),
             f"{100 * x.time_s / total:.1f}%"] for x in layers]
    rows.append(["total", "", fmt_count(round(r.step_flops)),
                 fmt_bytes(round(sum(x.bytes for x in r.layers))), "", "", _ms(r.ideal_s),
                 _ms(total), "100.0%"])
    notes = [verdict(r)]
    if r.training is not None:
        notes.append(compute_line(r.training))
    notes.append("ideal = max(FLOPs / peak, bytes / bandwidth) per layer (3x3 stride-1 convs "
                 "credited with Winograd's 4x); time = the calibrated model (docs/time.md)")
    title = (f"{r.model} on {r.gpu} · {r.mode} · batch {r.batch} · {r.dtype} · input "
             f"{'x'.join(map(str, r.input))}")
    return tabular(HEADERS, rows, fmt, note="\n".join(notes), title=title)


CAL_HEADERS = ["source", "gpu", "model", "mode", "dtype", "batch", "measured img/s",
               "predicted img/s", "ideal img/s", "error", "set"]


@app.command("calibration")
def calibration_cmd(fmt: Format = "table") -> None:
    """The time model against every published measurement it was fitted to or held out from
    (data/measurements.yaml), with the median and worst errors."""
    from ..analysis import calibration as cal
    from ..render.report import jsonable
    from ..render.text import tabular

    check_format(fmt, FORMATS)
    cs = cal.compare()
    large = [c for c in cs if not c.fit and c.entry["batch"] >= 64]
    sums = {**cal.summary(cs), "held_out_large_batch": cal.summary(large)["held_out"]}
    if fmt == "json":
        emit(json.dumps(jsonable({
            "measurements": [{**c.entry, "predicted_img_s": c.predicted, "ideal_img_s": c.ideal,
                              "error": c.error} for c in cs],
            "summary": sums}), indent=2))
        return
    rows = [[c.entry["source"], c.entry["gpu"], c.entry["model"],
             c.entry["mode"] + ("" if c.entry.get("optimizer", "momentum") == "momentum"
                                else " (fwd+bwd)"),
             c.entry["dtype"], str(c.entry["batch"]), f"{c.measured:,.0f}",
             f"{c.predicted:,.0f}", f"{c.ideal:,.0f}", f"{c.error:+.0%}",
             "fit" if c.fit else "held out"] for c in cs]
    notes = [f"{label.replace('_', ' ')}: {v['count']} measurements, median |error| "
             f"{v['median_abs_error']:.1%}, worst {v['worst_abs_error']:.0%} "
             f"(worst ratio {v['worst_ratio']:.2f}x); baselines: ideal bound "
             f"{v['ideal_median_ratio']:.2f}x the measured (median), 62% of peak (Paleo) median "
             f"|error| {v['paleo_median_abs_error']:.0%}" for label, v in sums.items()]
    emit(tabular(CAL_HEADERS, rows, fmt, note="\n".join(notes),
                 title="cnncost time: predicted against measured throughput"))
