"""Every ONNX op the importer reads, on graphs built with onnx.helper; expected numbers are
hand arithmetic written here."""

from __future__ import annotations

import pytest

pytest.importorskip("onnx")

import cnncost  # noqa: E402
from cnncost.errors import CnnCostError  # noqa: E402
from cnncost.importers import from_onnx  # noqa: E402
from onnx_build import G  # noqa: E402


def rows(path, **kw):
    r = cnncost.analyze(from_onnx(path), **kw)
    return r, {row.name: row for row in r.rows}


def test_conv_groups_dilation_asymmetric_pads(tmp_path):
    g = G([1, 4, 9, 9])
    y = g.op("Conv", ["x", g.w(6, 2, 3, 3), g.w(6)], name="c1", group=2, dilations=[2, 2],
             pads=[1, 0, 2, 1], strides=[2, 1])
    r, by = rows(g.save(tmp_path / "m.onnx", y))
    # H: (9 + 1 + 2 - 2*2 - 1)//2 + 1 = 4; W: (9 + 0 + 1 - 4 - 1)//1 + 1 = 6
    assert by["c1"].output == (6, 4, 6)
    assert by["c1"].params == 6 * 2 * 9 + 6
    assert by["c1"].macs == 6 * 4 * 6 * 2 * 9


def test_conv_auto_pad_same_upper(tmp_path):
    g = G([1, 3, 7, 7])
    y = g.op("Conv", ["x", g.w(4, 3, 3, 3)], name="c", auto_pad="SAME_UPPER", strides=[2, 2])
    _, by = rows(g.save(tmp_path / "m.onnx", y))
    assert by["c"].output == (4, 4, 4)  # ceil(7/2)
    assert by["c"].params == 4 * 3 * 9  # no bias input


def test_gemm_matmul_add_bn_activations(tmp_path):
    g = G([1, 3, 4, 4])
    y = g.op("BatchNormalization", ["x", g.w(3), g.w(3), g.w(3), g.w(3)], name="bn",
             epsilon=1e-3)
    y = g.op("LeakyRelu", [y], name="lrelu", alpha=0.2)
    y = g.op("HardSigmoid", [y], name="hsig")  # ONNX defaults 0.2/0.5
    y = g.op("Flatten", [y], name="flat")
    y = g.op("Gemm", [y, g.w(10, 48), g.w(10)], name="fc", transB=1)
    y = g.op("MatMul", [y, g.w(10, 5)], name="mm")
    y = g.op("Add", [y, g.w(5)], name="bias")
    y = g.op("Softmax", [y], name="sm", axis=1)
    r, by = rows(g.save(tmp_path / "m.onnx", y))
    assert by["bn"].params == 6 and by["bn"].buffers == 6
    assert by["fc"].params == 48 * 10 + 10 and by["fc"].macs == 480
    assert by["mm"].params == 10 * 5 + 5 and by["mm"].macs == 50  # MatMul + Add = linear
    assert by["hsig"].type == "hardsigmoid"
    spec = from_onnx(tmp_path / "m.onnx")
    assert "alpha: 0.2" in spec.to_yaml()
    assert r.totals.params == 6 + 490 + 55


def test_clip_relu6_and_identity_shared_weights(tmp_path):
    g = G([1, 3, 8, 8])
    shared = g.w(8, 3, 1, 1)
    alias = g.op("Identity", [shared], name="id")
    a = g.op("Conv", ["x", shared], name="a")
    b = g.op("Conv", ["x", alias], name="b")
    y = g.op("Add", [a, b], name="add")
    y = g.op("Clip", [y, g.w(value=0.0), g.w(value=6.0)], name="clip")
    r, by = rows(g.save(tmp_path / "m.onnx", y))
    assert by["clip"].type == "relu6"
    # a tensor shared behind Identity is counted once per consuming node
    assert by["a"].params == by["b"].params == 24 and r.totals.params == 48


def test_pools_ceil_and_reduce_mean(tmp_path):
    g = G([1, 2, 10, 10])
    y = g.op("MaxPool", ["x"], name="mp", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    y = g.op("AveragePool", [y], name="ap", kernel_shape=[2, 2], strides=[1, 1], pads=[1, 1, 1, 1])
    y = g.op("ReduceMean", [y], name="rm", axes=[2, 3], keepdims=0)
    _, by = rows(g.save(tmp_path / "m.onnx", y))
    assert by["mp"].output == (2, 5, 5)  # ceil((10-3)/2)+1 = 5 (floor gives 4)
    assert by["ap"].output == (2, 6, 6)
    assert by["rm"].output == (2, 1, 1) and by["rm_1"].output == (2,)


def test_concat_split_shape_subgraph_reshape(tmp_path):
    g = G(["N", 4, "H", "W"])
    parts = g.op("Split", ["x"], name="split", outputs=2, axis=1)
    y = g.op("Concat", [parts[1], parts[0]], name="cat", axis=1)
    y = g.op("GlobalAveragePool", [y], name="gap")
    shape = g.op("Shape", [y], name="shape")
    n = g.op("Gather", [shape, g.ints([0])], name="gather", axis=0)
    target = g.op("Concat", [n, g.ints([-1])], name="target", axis=0)
    y = g.op("Reshape", [y, target], name="reshape")
    r, by = rows(g.save(tmp_path / "m.onnx", y))
    assert by["reshape"].type == "flatten" and by["reshape"].output == (4,)
    # merges are named after their type in their scope, as cnncost names every merge
    assert by["split"].output[0] == 2 and by["concat"].output[0] == 4


def test_symbolic_dims_and_input_binding(tmp_path):
    g = G(["N", 3, "H", "W"])
    y = g.op("Conv", ["x", g.w(8, 3, 3, 3)], name="c", strides=[2, 2], pads=[1, 1, 1, 1])
    path = g.save(tmp_path / "m.onnx", y)
    r = cnncost.analyze(from_onnx(path))
    assert r.symbolic and "H" in str(r.totals.macs)
    bound = cnncost.analyze(from_onnx(path), input="3x193x257")
    # (193 + 2 - 3)//2 + 1 = 97, (257 + 2 - 3)//2 + 1 = 129
    assert bound.rows[0].output == (8, 97, 129)
    assert bound.totals.macs == 8 * 97 * 129 * 27


def test_silu_gelu_hardswish_patterns(tmp_path):
    g = G([1, 3, 4, 4])
    s = g.op("Sigmoid", ["x"], name="s")
    y = g.op("Mul", ["x", s], name="silu")
    d = g.op("Div", [y, g.w(value=1.4142135)], name="d")
    e = g.op("Erf", [d], name="e")
    a = g.op("Add", [e, g.w(value=1.0)], name="a")
    m = g.op("Mul", [y, a], name="m")
    y2 = g.op("Mul", [m, g.w(value=0.5)], name="gelu")
    h = g.op("HardSigmoid", [y2], name="h", alpha=1 / 6, beta=0.5)
    y3 = g.op("Mul", [y2, h], name="hswish")
    _, by = rows(g.save(tmp_path / "m.onnx", y3))
    assert [(n, r.type) for n, r in by.items()] == [("silu", "silu"), ("gelu", "gelu"),
                                                     ("hswish", "hardswish")]


def test_se_gate_is_residual_mul(tmp_path):
    g = G([1, 8, 6, 6])
    p = g.op("GlobalAveragePool", ["x"], name="pool")
    c = g.op("Conv", [p, g.w(2, 8, 1, 1), g.w(2)], name="fc1")
    c = g.op("Relu", [c], name="relu")
    c = g.op("Conv", [c, g.w(8, 2, 1, 1), g.w(8)], name="fc2")
    c = g.op("Sigmoid", [c], name="gate")
    y = g.op("Mul", ["x", c], name="scale")
    spec = from_onnx(g.save(tmp_path / "m.onnx", y))
    assert "merge: mul" in spec.to_yaml() and "residual" in spec.to_yaml()
    r = cnncost.analyze(spec)
    assert r.rows[-1].output == (8, 6, 6) and r.totals.params == 18 + 24


def test_conv_transpose_pad_resize(tmp_path):
    g = G([1, 4, 5, 5])
    y = g.op("ConvTranspose", ["x", g.w(4, 3, 3, 3), g.w(3)], name="up", strides=[2, 2],
             pads=[1, 1, 1, 1], output_padding=[1, 1])
    y = g.op("Pad", [y, g.ints([0, 0, 1, 2, 0, 0, 3, 4])], name="pad", mode="reflect")
    y = g.op("Resize", [y, "", g.w(value=[1, 1, 2, 2])], name="rs", mode="nearest")
    _, by = rows(g.save(tmp_path / "m.onnx", y))
    # (5-1)*2 - 2 + 3 + 1 = 10
    assert by["up"].output == (3, 10, 10)
    assert by["up"].params == 4 * 3 * 9 + 3 and by["up"].macs == 4 * 5 * 5 * 3 * 9
    assert by["pad"].output == (3, 14, 16)
    assert by["rs"].output == (3, 28, 32) and by["rs"].type == "upsample"


def test_unknown_op_exits_with_list_and_skip_lists_it(tmp_path):
    g = G([1, 3, 4, 4])
    y = g.op("Celu", ["x"], name="odd")
    y = g.op("Relu", [y], name="r")
    path = g.save(tmp_path / "m.onnx", y)
    with pytest.raises(CnnCostError, match=r"node 'odd' \(Celu, domain ai.onnx\).*supported ops: "
                                           r".*Conv"):
        from_onnx(path)
    r = cnncost.analyze(from_onnx(path, skip_unknown=True))
    assert r.not_counted == ("odd (Celu, domain ai.onnx)",)
    assert r.to_dict()["not_counted"] == ["odd (Celu, domain ai.onnx)"]


def test_dynamo_exporter_scopes_and_bn_tag(tmp_path):
    """The dynamo exporter names nodes node_Conv_3 and keeps module scopes in metadata; a conv
    it folded a BatchNorm into is tagged by onnxscript's rewrite rule."""
    from onnx import StringStringEntryProto

    g = G([1, 3, 8, 8])
    y = g.op("Conv", ["x", g.w(4, 3, 3, 3)], name="node_Conv_3")
    g.nodes[-1].metadata_props.extend([
        StringStringEntryProto(key="pkg.torch.onnx.name_scopes",
                               value="['', 'layer1', 'layer1.0', 'conv1', 'conv2d']"),
        StringStringEntryProto(key="pkg.onnxscript.rewriter.rule_name",
                               value="FuseBatchNormIntoConv")])
    r = cnncost.analyze(from_onnx(g.save(tmp_path / "m.onnx", y)))
    assert r.rows[0].name == "layer1.0.conv1"
    assert "BatchNorm folded by the exporter into 1 convolutions" in r.import_notes
