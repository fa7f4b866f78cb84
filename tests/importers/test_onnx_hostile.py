"""Hostile ONNX files: each exits 2 naming the file, quickly, reading nothing but the file."""

from __future__ import annotations

import time

import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402

from cnncost.cli import main  # noqa: E402
from onnx_build import G  # noqa: E402


def tensor(name: str, dims: list[int]) -> TensorProto:
    """A float tensor with dims and no data (as a shapes-only reader sees it)."""
    return TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)


def fails(path, capsys, match: str) -> None:
    start = time.perf_counter()
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnncost: error: ") and str(path) in err and match in err, err
    assert "Traceback" not in err
    assert time.perf_counter() - start < 10


def good(tmp_path) -> str:
    g = G([1, 3, 8, 8])
    y = g.op("Conv", ["x", g.w(4, 3, 3, 3)], name="c")
    return g.save(tmp_path / "good.onnx", g.op("Relu", [y], name="r"))


def test_truncated_and_non_onnx(tmp_path, capsys):
    data = open(good(tmp_path), "rb").read()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 2])
    fails(cut, capsys, "not a readable ONNX model")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    fails(junk, capsys, "ONNX")
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    fails(empty, capsys, "no graph nodes")


def test_cycle_and_missing_input(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    g.nodes.append(helper.make_node("Relu", ["b"], ["a"], name="r1"))
    g.nodes.append(helper.make_node("Relu", ["a"], ["b"], name="r2"))
    fails(g.save(tmp_path / "cycle.onnx", "b"), capsys, "a missing input or a cycle")
    g = G([1, 3, 8, 8])
    g.nodes.append(helper.make_node("Add", ["x", "nowhere"], ["y"], name="add"))
    fails(g.save(tmp_path / "missing.onnx", "y"), capsys, "'nowhere'")


def test_absurd_dims(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    g.inits.append(tensor("huge", [1 << 40, 3, 3, 3]))
    y = g.op("Conv", ["x", "huge"], name="c")
    fails(g.save(tmp_path / "absurd.onnx", y), capsys, "absurd shape")
    g = G([1, 3, 1 << 33, 8])
    y = g.op("Relu", ["x"], name="r")
    fails(g.save(tmp_path / "absurd_in.onnx", y), capsys, "absurd dimension")


def test_external_data_outside_folder_is_never_opened(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    t = tensor("w", [4, 3, 3, 3])
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="../../etc/passwd")
    g.inits.append(t)
    y = g.op("Conv", ["x", "w"], name="c")
    fails(g.save(tmp_path / "ext.onnx", y), capsys, "outside the model's folder")


def test_external_data_inside_folder_need_not_exist(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    t = tensor("w", [4, 3, 3, 3])
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="weights.bin")  # absent: never opened
    g.inits.append(t)
    path = g.save(tmp_path / "ext_ok.onnx", g.op("Conv", ["x", "w"], name="c"))
    assert main(["report", path, "-f", "csv"]) == 0
    assert "c,conv,4x6x6,108" in capsys.readouterr().out


def test_a_million_nodes(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    node = helper.make_node("Relu", ["x"], ["y"], name="r")
    graph = helper.make_graph([], "big", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 3, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)])
    graph.node.extend([node] * 1_000_000)
    path = tmp_path / "big.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    fails(path, capsys, "over the limit of 200,000")


def test_not_series_parallel_is_refused_by_name(tmp_path, capsys):
    g = G([1, 3, 8, 8])
    a = g.op("Relu", ["x"], name="a")
    b = g.op("Sigmoid", [a], name="b")
    c = g.op("Add", ["x", b], name="c")  # x->a->b, x->c: fine ...
    d = g.op("Add", [a, c], name="d")  # ... but a also feeds d, crossing the fork
    fails(g.save(tmp_path / "dag.onnx", d), capsys, "series-parallel")


def test_weights_are_skipped_not_read(tmp_path):
    """A 64 MiB weight costs nothing: the reader skips tensor payloads by their length."""
    import numpy as np
    from onnx import numpy_helper

    import cnncost
    from cnncost.importers import from_onnx

    g = G([1, 4096, 2, 2])
    g.inits.append(numpy_helper.from_array(np.zeros((4096, 4096, 1, 1), np.float32), "big"))
    path = g.save(tmp_path / "big_weights.onnx", g.op("Conv", ["x", "big"], name="c"))
    start = time.perf_counter()
    r = cnncost.analyze(from_onnx(path))
    assert time.perf_counter() - start < 2.0
    assert r.totals.params == 4096 * 4096 and r.totals.macs == 4096 * 4096 * 4
