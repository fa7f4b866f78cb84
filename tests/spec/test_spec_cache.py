"""The JSON parse cache and the cached zoo index (spec/cache.py, spec/zoo.py): the same
documents as a fresh parse, and never a failure when the cache is unwritable or corrupt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnncost.spec import cache, zoo
from cnncost.spec.marked import LFloat, LList, LMap
from cnncost.spec.yamlio import load_file


def _same(a, b) -> bool:
    """Equal values, types, float texts and every location mark."""
    if type(a) is not type(b):
        return False
    if isinstance(a, LMap):
        return (a.loc == b.loc and a.key_locs == b.key_locs and list(a) == list(b)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, LList):
        return (a.loc == b.loc and a.marks == b.marks and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, LFloat):
        return float(a) == float(b) and a.text == b.text
    return a == b


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "cnncost"


def _load(path: Path, shown: str):
    return cache.load_parsed(path, shown, zoo._stamp(path), lambda: load_file(path, shown))


@pytest.mark.parametrize("path", sorted(zoo.specs_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_a_cached_spec_reads_back_exactly(home, path):
    fresh = load_file(path, f"specs/{path.name}")
    first = _load(path, f"specs/{path.name}")  # parses and writes
    assert len(list(home.glob("spec-*.json"))) == 1
    second = _load(path, f"specs/{path.name}")  # from the JSON
    assert _same(first, fresh) and _same(second, fresh)


def test_floats_and_int_keys_survive(home, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("a: 11.30\nb: [1e3, .inf, 2.5e-4]\n3: x\nc: ~\nd: true\n", encoding="utf-8")
    fresh = load_file(spec, "net.yaml")
    _load(spec, "net.yaml")
    assert _same(_load(spec, "net.yaml"), fresh)


def test_an_edited_file_is_parsed_again(home, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("a: 1\n", encoding="utf-8")
    assert _load(spec, "net.yaml") == {"a": 1}
    spec.write_text("a: 22\n", encoding="utf-8")  # another size
    assert _load(spec, "net.yaml") == {"a": 22}
    st = spec.stat()
    spec.write_text("a: 33\n", encoding="utf-8")  # same size, mtime moved on
    os.utime(spec, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000))
    assert _load(spec, "net.yaml") == {"a": 33}


@pytest.mark.parametrize("garbage", [b"", b"{", b"\xff\xfe", b"[]", b'{"key": 1}', None])
def test_a_corrupt_cache_file_is_a_miss_and_is_rewritten(home, tmp_path, garbage):
    spec = tmp_path / "net.yaml"
    spec.write_text("a: [1, 2]\nb: {c: 1.5}\n", encoding="utf-8")
    fresh = load_file(spec, "net.yaml")
    _load(spec, "net.yaml")
    (entry,) = home.glob("spec-*.json")
    if garbage is None:  # the right key with a document of the wrong shape
        doc = json.loads(entry.read_text())
        doc["doc"] = {"m": [["a", {"s": "x", "at": [1, 1]}, 1, 1]], "at": [1, 1]}
        garbage = json.dumps(doc).encode()
    entry.write_bytes(garbage)
    assert _same(_load(spec, "net.yaml"), fresh)
    assert json.loads(entry.read_text())["doc"] == cache.encode(fresh)  # rewritten


def test_an_unwritable_cache_never_fails(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file: NotADirectoryError
    path = zoo.specs_dir() / "alexnet.yaml"
    assert _same(_load(path, "specs/alexnet.yaml"), load_file(path, "specs/alexnet.yaml"))
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker)}
    for args in (["report", "resnet18"], ["report", "no-such-model"]):
        proc = subprocess.run([sys.executable, "-c", "from cnncost.cli import run; run()", *args],
                              capture_output=True, text=True, env=env, timeout=120)
        assert "Traceback" not in proc.stderr
        assert proc.returncode == (0 if args[1] == "resnet18" else 2), proc.stderr
    assert blocker.read_text() == "not a folder"


def test_cache_off_and_relative_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNCOST_NO_CACHE", "1")
    assert cache.cache_dir() is None and not cache.write_json("x.json", {})
    monkeypatch.delenv("CNNCOST_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the XDG spec: ignored
    assert cache.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "cnncost"


def test_uncacheable_values_are_parsed_every_time(home, tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("a: !!set {x, y}\n", encoding="utf-8")
    assert _load(spec, "net.yaml")["a"] == {"x", "y"}
    assert not list(home.glob("spec-*.json"))


def test_the_zoo_index_is_rebuilt_when_a_spec_changes(home, tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("alexnet.yaml", "vgg.yaml"):
        shutil.copy(zoo.specs_dir() / name, specs / name)
    monkeypatch.setattr(zoo, "specs_dir", lambda: specs)
    zoo._zoo_index.cache_clear()
    index = zoo._cached_index()
    assert index["vgg16"] == ["vgg.yaml", "vgg16"] and "resnet50" not in index
    index_file = home / cache.index_name(specs)
    assert index_file.is_file()
    text = (specs / "alexnet.yaml").read_text(encoding="utf-8")
    assert "\nvariants:" not in text
    (specs / "alexnet.yaml").write_text(text + "\nvariants:\n  alexnet_tiny: {}\n",
                                        encoding="utf-8")
    zoo._zoo_index.cache_clear()
    assert zoo._cached_index()["alexnet_tiny"] == ["alexnet.yaml", "alexnet_tiny"]
    index_file.write_text('{"key": 7')  # corrupt: rebuilt, not fatal
    zoo._zoo_index.cache_clear()
    assert zoo._cached_index()["alexnet_tiny"] == ["alexnet.yaml", "alexnet_tiny"]
    zoo._zoo_index.cache_clear()
