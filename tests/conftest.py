"""Shared fixtures: the CLI runner and the optional torch/torchvision oracle."""

from __future__ import annotations

import os
import tempfile

import pytest

# the spec parse cache (cnncost.spec.cache) writes under XDG_CACHE_HOME: keep the test run's
# cache (this process and the subprocesses it starts) out of the user's home
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cnncost-test-cache-")
os.environ.pop("CNNCOST_NO_CACHE", None)


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
