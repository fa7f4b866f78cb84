"""``cnncost import SOURCE``: an ONNX file or a PyTorch module -> a spec file."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from .app import app, emit

SkipUnknown = Annotated[bool, typer.Option(
    "--skip-unknown", help="ONNX: pass unsupported ops through and list them as not counted")]


@app.command("import")
def import_model(
    source: Annotated[str, typer.Argument(
        help="FILE.onnx, package.module:attr or path/file.py:attr (an nn.Module class, "
             "instance or zero-argument factory; naming Python code runs it)")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="write the spec here "
                                                  "(default: print it)")] = None,
    input: Annotated[Optional[str], typer.Option(
        "--input", "-i", help="PyTorch: the CxHxW size to trace at (default 3x224x224)")] = None,
    dynamic: Annotated[bool, typer.Option(
        "--dynamic", help="PyTorch: trace with symbolic N, H and W")] = False,
    name: Annotated[Optional[str], typer.Option("--name", help="the model's name")] = None,
    skip_unknown: SkipUnknown = False,
) -> None:
    """Write a spec for a model someone else wrote, with its repeated structure recovered."""
    from ..errors import CnnCostError
    from ..importers import from_onnx, from_torch

    if source.lower().endswith(".onnx"):
        if input is not None or dynamic:
            raise CnnCostError("--input and --dynamic apply to PyTorch sources; an ONNX file "
                               "keeps its own (bind its symbols with 'report --input')")
        spec = from_onnx(source, skip_unknown=skip_unknown, name=name)
    else:
        module = load_module(source)
        size = _size(input) if input else (3, 224, 224)
        spec = from_torch(module, size, dynamic, name=name, source=source)
    text = spec.to_yaml()
    if output:
        from pathlib import Path

        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CnnCostError(f"cannot write {output}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {output} ({len(text.splitlines())} lines)", err=True)
    else:
        emit(text.rstrip("\n"))


def _size(text: str) -> tuple[int, ...]:
    from ..errors import CnnCostError

    try:
        dims = tuple(int(p) for p in text.lower().split("x"))
    except ValueError:
        raise CnnCostError(f"--input must look like 3x224x224 for a PyTorch source, got "
                           f"{text!r}") from None
    if len(dims) != 3 or min(dims) < 1:
        raise CnnCostError(f"--input must look like 3x224x224, got {text!r}")
    return dims


def load_module(source: str) -> Any:
    """``pkg.mod:attr`` or ``path/file.py:attr`` -> an nn.Module (this runs the user's code)."""
    import importlib
    import importlib.util
    from pathlib import Path

    from ..errors import CnnCostError

    where, sep, attr = source.rpartition(":")
    if not sep or not where or not attr.isidentifier():
        raise CnnCostError(f"SOURCE must be FILE.onnx, package.module:attr or file.py:attr, "
                           f"got {source!r}")
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise CnnCostError(f"no such Python file: {where}")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        else:
            mod = importlib.import_module(where)
    except CnnCostError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's code failed to import
        raise CnnCostError(f"importing {where} failed: {type(exc).__name__}: {exc}") from None
    if not hasattr(mod, attr):
        raise CnnCostError(f"{where} has no attribute {attr!r}")
    return _instantiate(getattr(mod, attr), source)


def _instantiate(obj: Any, source: str) -> Any:
    from ..errors import CnnCostError

    try:
        import torch
    except ImportError:
        raise CnnCostError("importing PyTorch modules needs torch: pip install "
                           "'cnncost[torch]'") from None
    if isinstance(obj, torch.nn.Module):
        return obj
    if callable(obj):
        try:
            made = obj()
        except Exception as exc:  # noqa: BLE001 - the user's constructor failed
            raise CnnCostError(f"calling {source}() failed: {type(exc).__name__}: {exc}") from None
        if isinstance(made, torch.nn.Module):
            return made
    raise CnnCostError(f"{source} is not an nn.Module, a Module class or a zero-argument "
                       "factory returning one")
