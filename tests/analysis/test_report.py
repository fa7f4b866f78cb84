"""Per-op rules against hand arithmetic, the lecture's AlexNet table, VGG totals, closed forms and
the symbolic == numeric property. Every expected number is worked out in the test itself or comes
from the cited source, never from cnncost's output."""

from __future__ import annotations

import random

import pytest

import cnncost
from cnncost.spec.bindings import make_symbol
from cnncost.spec.expand import Builder
from cnncost.errors import CnnCostError
from cnncost.ops import OPS
from cnncost.spec.schema import parse_spec
from cnncost.spec.yamlio import loads

EXAMPLES = "specs/examples/"


def one_layer(op: str, args: dict, in_shape: tuple):
    """Run one op through the builder's op path: (output shape, node)."""
    spec = parse_spec(loads(f"name: t\ninput: {list(in_shape)}\nlayers: [identity]\n"), "t.yaml")
    b = Builder(spec)
    b.globals = {}
    from cnncost.graph import Node

    b.nodes.append(Node(0, "input", "input", None, {}, (), tuple(in_shape)))
    full = dict(OPS[op].args)
    full.update(args)
    idx = b.op_node(OPS[op], full, [0], "x", None, False)
    node = b.nodes[idx]
    return node.shape, node


# ---- conv -----------------------------------------------------------------------------------


def test_conv_alexnet_conv1_by_hand():
    shape, n = one_layer("conv", {"c": 64, "k": 11, "s": 4, "p": 2}, (3, 227, 227))
    assert shape == (64, (227 + 2 * 2 - 11) // 4 + 1, 56)  # 220 // 4 + 1 = 56
    assert n.params == 64 * 3 * 11 * 11 + 64 == 23_296
    assert n.macs == 64 * 56 * 56 * 3 * 11 * 11 == 72_855_552
    assert n.other_ops == 64 * 56 * 56  # one bias add per output


def test_grouped_and_depthwise_conv():
    _, n = one_layer("conv", {"c": 16, "k": 3, "p": 1, "groups": 4}, (8, 10, 10))
    assert n.params == 16 * (8 // 4) * 9 + 16 == 304
    assert n.macs == 16 * 10 * 10 * 2 * 9 == 28_800
    _, dw = one_layer("conv", {"c": 32, "k": 3, "s": 2, "p": 1, "groups": 32, "bias": False},
                      (32, 112, 112))
    assert dw.shape == (32, 56, 56)  # floor((112 + 2 - 3) / 2) + 1 = 56
    assert dw.params == 32 * 1 * 9
    assert dw.macs == 32 * 56 * 56 * 9


def test_conv_dilation_and_asymmetric_padding():
    shape, _ = one_layer("conv", {"c": 1, "k": 3, "d": 2}, (1, 10, 10))
    assert shape == (1, 10 - 2 * (3 - 1), 6)
    shape, _ = one_layer("conv", {"c": 1, "k": 2, "p": [0, 1, 2, 3]}, (1, 5, 5))
    assert shape == (1, 5 + 0 + 1 - 2 + 1, 5 + 2 + 3 - 2 + 1)
    shape, _ = one_layer("conv", {"c": 4, "k": [1, 7], "p": [0, 3]}, (2, 17, 17))
    assert shape == (4, 17, 17)
    shape, _ = one_layer("conv", {"c": 4, "k": 5, "p": "same"}, (2, 9, 9))
    assert shape == (4, 9, 9)


def test_conv_errors():
    with pytest.raises(CnnCostError, match="larger than the padded input"):
        one_layer("conv", {"c": 8, "k": 7}, (3, 5, 5))
    with pytest.raises(CnnCostError, match="groups=3 does not divide"):
        one_layer("conv", {"c": 8, "k": 1, "groups": 3}, (6, 5, 5))
    with pytest.raises(CnnCostError, match="must be an integer"):
        one_layer("conv", {"c": 8.5, "k": 1}, (6, 5, 5))


# ---- pooling --------------------------------------------------------------------------------


def test_maxpool_floor_and_ceil():
    assert one_layer("maxpool", {"k": 3, "s": 2}, (64, 112, 112))[0] == (64, 55, 55)  # 109//2+1
    assert one_layer("maxpool", {"k": 3, "s": 2, "ceil": True}, (64, 112, 112))[0] == (64, 56, 56)
    # PyTorch drops a last window that would start in the padding: ceil(5/2)+1 = 4, but
    # (4-1)*2 = 6 >= 5 + 1, so 3 (MaxPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 gives 3x3)
    assert one_layer("maxpool", {"k": 2, "s": 2, "p": 1, "ceil": True}, (1, 5, 5))[0] == (1, 3, 3)
    _, n = one_layer("maxpool", {"k": 3, "s": 2}, (64, 56, 56))
    assert n.shape == (64, 27, 27) and n.params == 0 and n.macs == 0
    assert n.other_ops == 64 * 27 * 27 * 8  # 9 - 1 comparisons per output


def test_avg_adaptive_and_global_pool():
    assert one_layer("avgpool", {"k": 2, "s": 2}, (256, 13, 13))[0] == (256, 6, 6)
    assert one_layer("adaptive_avgpool", {"out": 6}, (256, 13, 13))[0] == (256, 6, 6)
    assert one_layer("adaptive_avgpool", {"out": [7, 7]}, (512, 3, 3))[0] == (512, 7, 7)
    _, gap = one_layer("gap", {}, (2048, 7, 7))
    assert gap.shape == (2048, 1, 1) and gap.other_ops == 2048 * 49


def test_bn_linear_flatten_lrn():
    _, bn = one_layer("bn", {}, (64, 8, 8))
    assert bn.params == 2 * 64 and bn.buffers == 2 * 64 and bn.macs == 0
    _, fc = one_layer("linear", {"out": 4096}, (9216,))
    assert fc.params == 9216 * 4096 + 4096 == 37_752_832
    assert fc.macs == 9216 * 4096 == 37_748_736
    with pytest.raises(CnnCostError, match="flat input"):
        one_layer("linear", {"out": 10}, (256, 6, 6))
    _, fl = one_layer("flatten", {}, (256, 6, 6))
    assert fl.shape == (9216,) and not fl.allocates
    _, lrn = one_layer("lrn", {}, (96, 55, 55))
    assert lrn.params == 0 and lrn.shape == (96, 55, 55)


def test_inplace_relu_allocates_nothing():
    _, relu = one_layer("relu", {}, (64, 56, 56))
    assert not relu.allocates
    _, sig = one_layer("sigmoid", {}, (64, 1, 1))
    assert sig.allocates


# ---- the lecture's AlexNet table (EECS 498 Lecture 8), input 3x227x227 ------------------------

# (layer path, output shape, memory KB as printed, params k as printed (FC without bias),
#  flop M as printed). conv4's printed 145 is a slide error: 256*13*13*384*9 = 149,520,384.
LECTURE_ALEXNET = [
    ("features.0", (64, 56, 56), 784, 23, 73),
    ("features.2", (64, 27, 27), 182, 0, 0),
    ("features.3", (192, 27, 27), 547, 307, 224),
    ("features.5", (192, 13, 13), 127, 0, 0),
    ("features.6", (384, 13, 13), 254, 664, 112),
    ("features.8", (256, 13, 13), 169, 885, 150),  # slide prints 145
    ("features.10", (256, 13, 13), 169, 590, 100),
    ("features.12", (256, 6, 6), 36, 0, 0),
    ("classifier.1", (4096,), 16, 37_749, 38),
    ("classifier.4", (4096,), 16, 16_777, 17),
    ("classifier.6", (1000,), 4, 4_096, 4),
]


def test_lecture_alexnet_table_row_by_row():
    rows = {r.name: r for r in cnncost.analyze("alexnet").rows}
    for name, shape, kb, kparams, mflop in LECTURE_ALEXNET:
        r = rows[name]
        assert r.output == shape, name
        assert round(r.activation_bytes / 1024) == kb, name
        weights = r.params - (shape[0] if r.type == "linear" else 0)  # lecture: FC without bias
        assert round(weights / 1000) == kparams, name
        assert round(r.macs / 1e6) == mflop, name
    assert rows["features.0"].activation_bytes == 64 * 56 * 56 * 4 == 784 * 1024
    assert rows["features.0"].macs == 72_855_552
    assert rows["features.8"].macs == 256 * 13 * 13 * 384 * 9 == 149_520_384


def test_lecture_alexnet_vs_vgg16_totals():
    # "1.9 MB" = conv + FC outputs, fp32, MiB; research notes §6.1/6.2 list the exact values
    a = cnncost.analyze("alexnet", only=["conv", "linear"])
    v = cnncost.analyze("vgg16-lecture", input="3x224x224", only=["conv", "linear"])
    conv_fc_alexnet = (64 * 56 * 56 + 192 * 27 * 27 + 384 * 169 + 256 * 169 * 2 + 4096 * 2 + 1000)
    assert a.totals.activation_bytes == 4 * conv_fc_alexnet
    assert round(a.totals.activation_bytes / 2**20, 1) == 1.9
    # 48.652 MiB: the slide prints 48.6 (truncated, not rounded: rounding would print 48.7)
    assert 48.6 <= v.totals.activation_bytes / 2**20 < 48.7
    assert round(a.totals.macs / 1e9, 1) == 0.7 and round(v.totals.macs / 1e9, 1) == 13.6
    assert round(v.totals.params / 1e6) == 138 and round(a.totals.params / 1e6) == 61


# ---- VGG against torchvision's published metadata (num_params, _ops GFLOPS) -------------------


@pytest.mark.parametrize("model,params,gmacs", [
    ("vgg11", 132_863_336, 7.609), ("vgg13", 133_047_848, 11.308),
    ("vgg16", 138_357_544, 15.47), ("vgg19", 143_667_240, 19.632),
    ("vgg16_bn", 138_365_992, 15.47), ("alexnet", 61_100_840, 0.714),
])
def test_torchvision_metadata(model, params, gmacs):
    r = cnncost.analyze(model, input="3x224x224")
    assert r.totals.params == params
    assert round(r.totals.macs / 1e9, 3) == gmacs


def test_vgg16_exact():
    # conv MACs: sum over layers of H*W*Cout*Cin*9 at 224; FC: 25088*4096 + 4096^2 + 4096*1000
    convs = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256),
             (56, 256, 256), (56, 256, 256), (28, 256, 512), (28, 512, 512), (28, 512, 512),
             (14, 512, 512), (14, 512, 512), (14, 512, 512)]
    macs = sum(s * s * co * ci * 9 for s, ci, co in convs) + 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    params = sum(co * ci * 9 + co for _, ci, co in convs) + 25088 * 4096 + 4096 + 4096 * 4096 \
        + 4096 + 4096 * 1000 + 1000
    r = cnncost.analyze("vgg16")
    assert (r.totals.params, r.totals.macs) == (params, macs) == (138_357_544, 15_470_264_320)


# ---- closed forms (lecture's VGG design rules) ------------------------------------------------


def _sym(*names):
    return [make_symbol(n) for n in names]


def test_closed_forms_5x5_vs_two_3x3():
    C, H, W = _sym("C", "H", "W")
    one = cnncost.analyze(EXAMPLES + "one_conv5x5.yaml").totals
    two = cnncost.analyze(EXAMPLES + "two_conv3x3.yaml").totals
    assert one.params - 25 * C**2 == 0 and one.macs - 25 * C**2 * H * W == 0
    assert two.params - 18 * C**2 == 0 and two.macs - 18 * C**2 * H * W == 0


def test_closed_forms_halve_resolution_double_channels():
    C, H, W = _sym("C", "H", "W")
    full = cnncost.analyze(EXAMPLES + "full_res_stage.yaml").totals
    half = cnncost.analyze(EXAMPLES + "half_res_stage.yaml").totals
    assert full.activation_bytes - 4 * (4 * C * H * W) == 0  # 4CHW elements x 4 bytes
    assert half.activation_bytes - 4 * (2 * C * H * W) == 0
    assert full.params - 9 * C**2 == 0 and half.params - 36 * C**2 == 0
    assert full.macs - 36 * H * W * C**2 == 0 and half.macs - 36 * H * W * C**2 == 0


# ---- symbolic analysis equals the numeric path ------------------------------------------------


@pytest.mark.parametrize("model,lo", [("alexnet", 63), ("vgg16", 32), ("zfnet", 40)])
def test_symbolic_equals_numeric(model, lo):
    H, W = _sym("H", "W")
    sym = cnncost.analyze(model, input="3xHxW")
    assert sym.symbolic
    rng = random.Random(0)
    for _ in range(6):
        h, w = rng.randint(lo, 300), rng.randint(lo, 300)
        num = cnncost.analyze(model, input=f"3x{h}x{w}")
        for field in ("params", "macs", "activation_bytes"):
            value = getattr(sym.totals, field)
            value = value.subs({H: h, W: w}) if hasattr(value, "subs") else value
            assert int(value) == getattr(num.totals, field), (model, h, w, field)
        for srow, nrow in zip(sym.rows, num.rows):
            shape = tuple(int(d.subs({H: h, W: w})) if hasattr(d, "subs") else d
                          for d in srow.output)
            assert shape == nrow.output


def test_symbolic_channels_and_batch():
    r = cnncost.analyze(EXAMPLES + "two_conv3x3.yaml", batch="N")
    C, H, W, N = _sym("C", "H", "W", "N")
    assert r.totals.macs - 18 * N * C**2 * H * W == 0


# ---- params, variants, --set -------------------------------------------------------------------


def test_set_overrides_params_and_symbols():
    r = cnncost.analyze("vgg16", set={"classes": 10})
    assert r.rows[-1].output == (10,)
    assert r.totals.params == 138_357_544 - 4096 * 990 - 990
    r = cnncost.analyze(EXAMPLES + "one_conv5x5.yaml", set=["C=64", "H=56", "W=56"])
    assert r.totals.macs == 25 * 64 * 64 * 56 * 56


def test_until_and_from_slices():
    r = cnncost.analyze("alexnet", until="features.5")
    assert [x.name for x in r.rows][-1] == "features.5"
    assert r.totals.params == 23_296 + 64 * 5 * 5 * 192 + 192
    r = cnncost.analyze("alexnet", start="classifier")
    assert r.input == (9216,)
    assert r.totals.params == 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000


def test_depth_rollup_sums_rows():
    full = cnncost.analyze("vgg16")
    rolled = cnncost.analyze("vgg16", depth=1)
    assert [r.name for r in rolled.rows] == ["features", "avgpool", "flatten", "classifier"]
    assert sum(r.macs for r in rolled.rows) == full.totals.macs
    assert rolled.totals == full.totals


# ---- CLI -------------------------------------------------------------------------------------


def test_cli_report_json_schema(cli):
    import json

    code, out, err = cli("report", "alexnet", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"model", "title", "source", "input", "batch", "dtype", "layers", "totals"}
    assert data["input"] == [3, 227, 227]
    assert data["layers"][0] == {**data["layers"][0], "name": "features.0", "type": "conv",
                                 "output": [64, 56, 56], "params": 23296, "macs": 72855552,
                                 "activation_bytes": 802816}
    assert data["totals"]["params"] == 61_100_840


def test_cli_compare_ratios(cli):
    import json

    code, out, _ = cli("compare", "alexnet", "vgg16", "--input", "3x224x224", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [m["model"] for m in data["models"]] == ["alexnet", "vgg16"]
    assert data["ratios"][0]["macs"] == 1.0
    assert data["ratios"][1]["params"] == pytest.approx(138_357_544 / 61_100_840)


def test_cli_symbolic_report_and_errors(cli):
    code, out, _ = cli("report", EXAMPLES + "one_conv5x5.yaml")
    assert code == 0 and "25*C**2*H*W" in out
    code, _, err = cli("report", "vgg61")
    assert code == 2 and "unknown model 'vgg61'" in err and err.startswith("cnncost: error:")
    code, _, err = cli("report", "vgg16", "--input", "3x10x10")
    assert code == 2 and "larger than the padded input" in err and "features" in err


def test_list_shows_classic_line(cli):
    code, out, _ = cli("list")
    assert code == 0
    for name in ("alexnet", "alexnet-paper", "zfnet", "vgg11", "vgg13", "vgg16", "vgg19",
                 "vgg16_bn", "vgg16-lecture"):
        assert name in out


def test_rule_memo_never_mixes_ops_with_shared_rules(tmp_path):
    # relu and sigmoid share every rule method (only their constants differ) and here see the
    # same args and input shape: each must still get its own result (relu in place, 1 op per
    # element; sigmoid allocates, 3 ops per element)
    spec = tmp_path / "gate.yaml"
    spec.write_text("name: gate\ninput: [8, 4, 4]\nlayers: [gap, relu, sigmoid, relu, sigmoid]\n")
    rows = cnncost.analyze(str(spec)).rows
    assert [(r.type, r.activation_bytes, r.other_ops) for r in rows[1:3]] == [
        ("relu", 0, 8), ("sigmoid", 8 * 4, 3 * 8)]
    assert [(r.activation_bytes, r.other_ops) for r in rows[3:]] == [(0, 8), (8 * 4, 3 * 8)]


def test_rule_memo_never_mixes_ops_across_builds(tmp_path):
    # the same shapes and args seen first by relu in one model, then by sigmoid in another
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("name: a\ninput: [8, 4, 4]\nlayers: [gap, relu]\n")
    second.write_text("name: b\ninput: [8, 4, 4]\nlayers: [gap, sigmoid]\n")
    assert cnncost.analyze(str(first)).rows[1].activation_bytes == 0
    gate = cnncost.analyze(str(second)).rows[1]
    assert (gate.type, gate.activation_bytes, gate.other_ops) == ("sigmoid", 8 * 4, 3 * 8)
