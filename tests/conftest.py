"""Shared fixtures: the CLI runner and the optional torch/torchvision oracle."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli(capsys):
    """Run ``cnncost ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from cnncost.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def torchvision_models():
    """torchvision.models, or skip when torch/torchvision are not installed."""
    pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    return tv.models
