"""The Python API: analyze and compare models without the command line.

>>> import cnncost
>>> r = cnncost.analyze("vgg16", input="3x224x224")
>>> r.totals.params, r.totals.macs
(138357544, 15470264320)
>>> round(cnncost.analyze("alexnet").totals.macs / 1e9, 2)
0.72
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .analysis.memory import FitResult, check_fit, fit_graph
from .analysis.report import Report, analyze_graph
from .spec.bindings import parse_sets, parse_value
from .spec.expand import build
from .graph import Graph
from .errors import CnnCostError
from .spec.schema import Spec
from .spec.zoo import load_spec


def check_batch(batch: Any) -> Any:
    """A batch size: a whole number >= 1 or a symbol."""
    from .dims import as_int, is_symbolic

    batch = as_int(batch)
    if is_symbolic(batch):
        import sympy

        # a count, not a condition (N > 2); and -N is certainly not >= 1
        if isinstance(batch, sympy.Expr) and batch.is_positive is not False:
            return batch
        raise CnnCostError(f"--batch must be a whole number >= 1 or a symbol, got {batch}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise CnnCostError(f"--batch must be a whole number >= 1 or a symbol, got {batch!r}")
    return batch


def split_slice(model: str) -> tuple[str, str | None, str | None] | None:
    """``"googlenet[:maxpool2]"`` -> ``("googlenet", None, "maxpool2")``; None without a slice.

    ``MODEL[FROM:UNTIL]`` analyzes layers FROM to UNTIL (both inclusive, either side may be
    empty), like ``--from``/``--until`` but per model, so ``compare`` can cut each model apart.

    >>> split_slice("vgg16[features.5:]")
    ('vgg16', 'features.5', None)
    """
    text = model.strip()
    if not text.endswith("]") or Path(text).is_file():
        if "[" in text or "]" in text:
            raise CnnCostError(f"a model slice looks like MODEL[FROM:UNTIL], got {model!r}")
        return None
    name, _, inside = text[:-1].partition("[")
    start, sep, until = inside.partition(":")
    if not name.strip() or not sep or any(c in inside for c in "[]") or ":" in until:
        raise CnnCostError(f"a model slice looks like MODEL[FROM:UNTIL] (either side may be "
                           f"empty), got {model!r}")
    return name.strip(), start.strip() or None, until.strip() or None


def build_graph(model: str | Path | Spec, input: str | tuple | list | None = None,
                set: list[str] | dict[str, Any] | None = None, symbolic: bool = False) -> Graph:
    """Load (if needed) and expand a model."""
    spec = model if isinstance(model, Spec) else load_spec(model)
    return build(spec, parse_sets(set), input, symbolic)


def analyze(model: str | Path | Spec, input: str | tuple | list | None = None, batch: Any = 1,
            dtype: str = "fp32", set: list[str] | dict[str, Any] | None = None,
            train: bool = False, start: str | None = None, until: str | None = None,
            only: list[str] | None = None, depth: int | None = None,
            symbolic: bool = False) -> Report:
    """Analyze a bundled model (by name) or a spec file (by path).

    ``input`` is ``"CxHxW"``, ``(C, H, W)`` or ``[C, H, W]`` (names such as ``H`` make the
    analysis symbolic), ``set`` overrides
    spec params (``{"classes": 10}`` or ``["classes=10"]``), ``start``/``until`` slice by layer
    name (a model given as ``"MODEL[FROM:UNTIL]"`` is sliced so instead), ``only`` keeps rows
    of some op types, ``depth`` rolls rows up per block.

    >>> analyze("alexnet", until="features.0").rows[0].output
    (64, 56, 56)
    """
    sliced = split_slice(model) if isinstance(model, str) else None
    if sliced is not None:
        model, start, until = sliced
    graph = build_graph(model, input, set, symbolic)
    batch = check_batch(parse_value(batch) if isinstance(batch, str) else batch)
    report = analyze_graph(graph, batch, dtype, train, start, until, only, depth)
    if sliced is not None:
        report.model = f"{report.model}[{start or ''}:{until or ''}]"
    return report


def compare(*models: str | Path, **options: Any) -> list[Report]:
    """Analyze several models with the same options (see :func:`analyze`).

    >>> a, v = compare("alexnet", "vgg16", input="3x224x224")
    >>> round(v.totals.macs / a.totals.macs, 1)
    21.7
    """
    return [analyze(m, **options) for m in models]


def fit(model: str | Path | Spec, gpu: str | None = None, memory: str | int | None = None,
        batch: int = 1, train: bool = False, optimizer: str = "momentum", dtype: str = "fp32",
        amp: bool = False, input: str | tuple | list | None = None,
        set: list[str] | dict[str, Any] | None = None) -> FitResult:
    """Will ``model`` fit on ``gpu`` (a catalog name) or in ``memory`` bytes ("12GiB")?

    >>> r = fit("vgg16", gpu="v100-16gb", batch=32, train=True, input="3x224x224")
    >>> r.fits, r.breakdown["gradients"] == r.breakdown["weights"]
    (True, True)
    """
    check_fit(gpu, memory, batch, train, dtype, amp)
    return fit_graph(build_graph(model, input, set), gpu, memory, batch, train, optimizer, dtype,
                     amp)


def predict_time(model: str | Path | Spec, gpu: str, batch: int = 1, dtype: str = "fp32",
                 train: bool = False, optimizer: str = "momentum", input: str | None = None,
                 set: list[str] | dict[str, Any] | None = None, epochs: float | None = None,
                 images: int | None = None) -> Any:
    """Roofline per layer and predicted throughput of one step on a catalog GPU
    (:class:`cnncost.analysis.timing.TimeResult`; docs/time.md).

    >>> r = predict_time("resnet50", "v100-16gb", batch=256, dtype="amp")
    >>> 1000 < r.throughput_img_s < r.ideal_throughput_img_s
    True
    """
    from .analysis.timing import predict_graph

    return predict_graph(build_graph(model, input, set), gpu, batch, dtype, train, optimizer,
                         epochs, images)
