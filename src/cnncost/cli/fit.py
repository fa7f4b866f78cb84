"""``cnncost fit`` (will a model fit on a GPU, and with what batch) and ``cnncost gpus``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..render.text import FORMATS
from .app import app, emit
from .importcmd import SkipUnknown
from .options import Dtype, Exact, Format, Input, Set, check_format

Model = Annotated[str, typer.Argument(help="bundled model name or spec file path")]
Gpu = Annotated[Optional[str], typer.Option("--gpu", "-g", help="GPU from `cnncost gpus`")]
Memory = Annotated[Optional[str],
                   typer.Option("--memory", help="device memory instead of --gpu, e.g. 12GiB")]
FitBatch = Annotated[int, typer.Option("--batch", "-b", help="batch size N")]
FitTrain = Annotated[bool, typer.Option("--train", help="a training step instead of inference")]
Optimizer = Annotated[str, typer.Option("--optimizer", help="sgd, momentum, adam or adamw")]
Amp = Annotated[bool, typer.Option(
    "--amp", help="mixed precision: 16-bit activations, fp32 master weights")]


@app.command()
def fit(
    model: Model, gpu: Gpu = None, memory: Memory = None, batch: FitBatch = 1,
    train: FitTrain = False, optimizer: Optimizer = "momentum", dtype: Dtype = "fp32",
    amp: Amp = False, input: Input = None, set: Set = None, fmt: Format = "table",
    exact: Exact = False, skip_unknown: SkipUnknown = False,
) -> None:
    """Will the model fit on the GPU? A verdict, a breakdown and the largest batch that fits."""
    from ..api import fit as fit_model
    from ..render.fit import render_fit
    from ..spec.zoo import set_skip_unknown

    check_format(fmt, FORMATS)
    set_skip_unknown(skip_unknown)
    emit(render_fit(fit_model(model, gpu=gpu, memory=memory, batch=batch, train=train,
                              optimizer=optimizer, dtype=dtype, amp=amp, input=input, set=set),
                    fmt, exact))


@app.command("gpus")
def list_gpus(fmt: Format = "table") -> None:
    """The GPU catalog: memory, bandwidth, peak FP32/FP16/BF16 throughput and the source."""
    from ..analysis.memory import gpus
    from ..render.fit import render_gpus

    check_format(fmt, FORMATS)
    emit(render_gpus(gpus(), fmt))
