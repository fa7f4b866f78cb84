"""Building the command line for one invocation, cheaply.

``typer.main.get_command(app)`` converts every registered command into a click command (all
their signatures inspected) and typer 0.29 validates every parameter value through a pydantic
``TypeAdapter``: importing pydantic and building the adapters costs about 100 ms of a cold start.
Here only the command being run is converted, and its parameters whose values are plain (a
string for ``str``, digits for ``int``, a bool for ``bool``, lists of those) are converted
without pydantic. Anything else (a malformed number, an unusual annotation, a parser) goes
through typer's own coercion, so results and error messages are typer's.

The app itself is untouched: ``typer.main.get_command(app)`` and ``CliRunner`` see the full app.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from .app import app

#: command name -> the module (in this package) that registers it; others load every module
COMMAND_MODULES = {"list": "report", "report": "report", "compare": "report", "fit": "fit",
                   "gpus": "fit", "verify": "verify", "check": "check", "sweep": "sweep",
                   "embed": "embed", "plot": "plot", "import": "importcmd", "ops": "ops",
                   "time": "time", "calibration": "time"}


def _is_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _plain_value(annotation: Any, value: Any) -> tuple[bool, Any]:
    """(True, the value) when ``value`` is plainly of ``annotation``, else (False, None)."""
    if annotation is str and type(value) is str:
        return True, value
    if annotation is bool and type(value) is bool:
        return True, value
    if annotation is int:
        if type(value) is int:
            return True, value
        if type(value) is str and _is_digits(value):
            return True, int(value)
    return False, None


class PlainParam:
    """A stand-in for typer's per-parameter coercion: plain values pass through (converted as
    pydantic's lax mode converts them); anything else goes to typer's coercion (built on first
    need). ``RuntimeParam.coerce``'s handling of missing and multi-valued values is kept."""

    def __init__(self, annotation: Any, is_list: bool, fallback: Callable[[], Any]):
        self.annotation, self.is_list, self._fallback, self._slow = annotation, is_list, fallback, None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if (param.multiple or param.nargs == -1) else None
        if self.is_list and isinstance(value, (list, tuple)):
            out = []
            for item in value:
                ok, item = _plain_value(self.annotation, item)
                if not ok:
                    return self.slow().coerce(value, param=param, ctx=ctx)
                out.append(item)
            return out
        ok, plain = _plain_value(self.annotation, value) if not self.is_list else (False, None)
        return plain if ok else self.slow().coerce(value, param=param, ctx=ctx)

    def slow(self) -> Any:
        if self._slow is None:
            self._slow = self._fallback()
        return self._slow


def _lighten(command: Any) -> None:
    """Give the parameters of ``command`` a :class:`PlainParam` where their type allows it.
    Parameters of another shape, or a typer without these internals, keep typer's coercion."""
    from typer._coercion import build_runtime_param

    params = list(getattr(command, "params", ()))
    if hasattr(command, "get_help_option"):  # built (and cached) on first use: build it now
        params.append(command.get_help_option(command.context_class(command)))
    for param in params:
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "_runtime_param", False) is not None:
            continue
        info, annotation = desc.parameter_info, desc.annotation
        if info.parser is not None or info.min is not None or info.max is not None or desc.is_file:
            continue
        is_list = getattr(annotation, "__origin__", None) is list
        if is_list:
            annotation = annotation.__args__[0]
        if annotation not in (str, int, bool):
            continue
        param._runtime_param = PlainParam(annotation, is_list,
                                          lambda d=desc: build_runtime_param(d))


def _command_name(info: Any) -> str:
    from typer.main import get_command_name

    return info.name or get_command_name(info.callback.__name__)


def command_for(args: list[str]) -> Any:
    """The click group that runs ``args``: just the named command when ``args`` starts with a
    known command name, else the whole app (help, an unknown name and its suggestions)."""
    import importlib

    import typer.main

    name = args[0] if args and not args[0].startswith("-") else None
    modules = [COMMAND_MODULES[name]] if name in COMMAND_MODULES else sorted(
        set(COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"{__package__}.{module}")
    infos = [info for info in app.registered_commands if _command_name(info) == name]
    source = app
    if infos:
        source = copy.copy(app)
        source.registered_commands = infos
    group = typer.main.get_group(source)
    for command in (group, *group.commands.values()):
        _lighten(command)
    return group
