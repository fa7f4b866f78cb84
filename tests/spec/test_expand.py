"""Review of the core (build, spec, analyze, api): symbolic and numeric paths agree on broadcast
merges, slices keep their input shape under --only, and loaded specs share no state with the
cache. Every expected number is worked out by hand in the test."""

from __future__ import annotations

import random

import pytest

import cnncost
from cnncost.spec.bindings import make_symbol
from cnncost.spec.zoo import load_spec, model_names, zoo_index


def _spec(tmp_path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return str(path)


# ---- mul broadcasting: a 1x1 gate times a full map is the full map, symbolic or not ----------

SE_GATE = """\
name: gate
input: [4, H, W]
symbols: {H: 16, W: 16}
layers:
  - residual:            # merge inputs are [body, shortcut] = [4x1x1 gate, 4xHxW map]
      merge: mul
      body: [{gap: {}}]
"""


def test_mul_gate_first_keeps_the_map_shape_symbolic(tmp_path):
    H, W = make_symbol("H"), make_symbol("W")
    r = cnncost.analyze(_spec(tmp_path, SE_GATE), input="4xHxW")
    assert [row.output for row in r.rows] == [(4, 1, 1), (4, H, W)]
    # gap writes 4 elements, mul 4*H*W elements; 4 bytes each
    assert r.totals.activation_bytes - 4 * (4 + 4 * H * W) == 0
    num = cnncost.analyze(_spec(tmp_path, SE_GATE), input="4x16x16")
    assert [row.output for row in num.rows] == [(4, 1, 1), (4, 16, 16)]
    assert num.totals.activation_bytes == 4 * (4 + 4 * 16 * 16)


SPATIAL_GATE = """\
name: spatial
input: [C, 8, 8]
symbols: {C: 6}
layers:
  - residual:            # [1x8x8 map, Cx8x8 input]: the channel dim broadcasts to C
      merge: mul
      body: [{conv: {c: 1, k: 1, bias: false}}]
"""


def test_mul_channel_broadcast_symbolic(tmp_path):
    C = make_symbol("C")
    r = cnncost.analyze(_spec(tmp_path, SPATIAL_GATE), input="Cx8x8")
    assert r.rows[-1].output == (C, 8, 8)
    assert cnncost.analyze(_spec(tmp_path, SPATIAL_GATE), input="6x8x8").rows[-1].output == (6, 8, 8)


@pytest.mark.parametrize("model", ["se_resnet50", "efficientnet_b0", "mobilenet_v3_small"])
def test_squeeze_excitation_models_symbolic_equals_numeric(model):
    H, W = make_symbol("H"), make_symbol("W")
    sym = cnncost.analyze(model, input="3xHxW")
    h, w = random.Random(model).choice([(224, 224), (160, 192), (256, 224)])
    num = cnncost.analyze(model, input=f"3x{h}x{w}")
    for field in ("params", "macs", "activation_bytes", "other_ops"):
        value = getattr(sym.totals, field)
        value = value.subs({H: h, W: w}) if hasattr(value, "subs") else value
        assert int(value) == getattr(num.totals, field), (model, field)
    for srow, nrow in zip(sym.rows, num.rows):
        shape = tuple(int(d.subs({H: h, W: w})) if hasattr(d, "subs") else d for d in srow.output)
        assert shape == nrow.output, srow.name


def test_se_resnet50_first_gate_is_full_size_symbolic():
    # stem: conv 7x7/2 then max-pool 3x3/2 -> H/4; layer1 keeps it; bottleneck width 64*4 = 256
    H, W = make_symbol("H"), make_symbol("W")
    r = cnncost.analyze("se_resnet50", input="3xHxW")
    row = next(row for row in r.rows if row.name == "layer1.0.se_module.mul")
    assert tuple(int(d.subs({H: 224, W: 224})) if hasattr(d, "subs") else d
                 for d in row.output) == (256, 56, 56)


# ---- slices: --from with --only still reports the slice's own input ---------------------------


def test_from_with_only_reports_the_input_of_the_first_sliced_layer():
    # AlexNet on 224: conv 11/4 pad 2 -> (224 + 4 - 11) // 4 + 1 = 55; max-pool 3/2 ->
    # (55 - 3) // 2 + 1 = 27; features.3 (conv2) therefore reads 64x27x27.
    plain = cnncost.analyze("alexnet", input="3x224x224", start="features.3")
    only = cnncost.analyze("alexnet", input="3x224x224", start="features.3", only=["relu"])
    assert plain.input == (64, 27, 27)
    assert only.input == (64, 27, 27)
    assert only.rows[0].name != "features.3"  # the first kept row is a relu, not the slice start


# ---- loaded specs share nothing with the parse cache -----------------------------------------


def test_mutating_a_loaded_spec_does_not_change_the_next_load():
    first = load_spec("resnet50")
    n = len(first.layers)
    first.layers.pop()
    first.params["depths"][0] = 100
    next(iter(first.blocks.values()))["body"].clear()
    again = load_spec("resnet50")
    assert len(again.layers) == n
    assert list(again.params["depths"]) == [3, 4, 6, 3]  # ResNet-50, He et al. 2016, table 1
    assert all(block["body"] for block in again.blocks.values())
    # conv1 7x7x3x64 = 9408 weights (no bias), the first thing a fresh load builds
    assert cnncost.analyze("resnet50").rows[0].params == 7 * 7 * 3 * 64


def test_mutating_the_zoo_index_does_not_change_the_zoo():
    zoo_index().pop("vgg16")
    assert "vgg16" in zoo_index()
    assert "vgg16" in model_names()


# ---- --depth: rows roll up in runs, never pulled across other rows --------------------------

TWO_UNNAMED_RESIDUALS = """\
name: dup
input: [3, 8, 8]
layers:
  - conv: {c: 4, k: 3, p: 1}
  - residual: {body: [{conv: {c: 4, k: 3, p: 1}}]}   # its merge is named "add"
  - conv: {c: 8, k: 1}
  - residual: {body: [{conv: {c: 8, k: 3, p: 1}}]}   # and so is this one
"""


def test_depth_rollup_keeps_same_named_rows_in_place(tmp_path):
    r = cnncost.analyze(_spec(tmp_path, TWO_UNNAMED_RESIDUALS), depth=1)
    # each unnamed layer is its own row; the two merges stay where they are, each with its
    # own output (4x8x8 = 256 and 8x8x8 = 512 elements, 4 bytes each)
    assert [(row.name, row.output) for row in r.rows] == [
        ("0", (4, 8, 8)), ("1", (4, 8, 8)), ("add", (4, 8, 8)),
        ("2", (8, 8, 8)), ("3", (8, 8, 8)), ("add", (8, 8, 8))]
    assert [row.activation_bytes for row in r.rows if row.name == "add"] == [4 * 256, 4 * 512]
    assert r.rows[2].type == "add"


# ---- --batch: a symbolic batch that is certainly not positive is refused ---------------------


@pytest.mark.parametrize("batch", ["-N", "0*N - N", "-2*N"])
def test_negative_symbolic_batch_is_refused(batch):
    with pytest.raises(cnncost.CnnCostError, match="--batch must be"):
        cnncost.analyze("alexnet", batch=batch)


def test_symbolic_batch_still_accepted():
    N = make_symbol("N")
    r = cnncost.analyze("alexnet", batch="N")
    assert r.totals.params == cnncost.analyze("alexnet").totals.params
    assert r.totals.macs - N * cnncost.analyze("alexnet").totals.macs == 0


def test_condition_as_batch_is_a_user_error():
    with pytest.raises(cnncost.CnnCostError, match="depends on symbols"):
        cnncost.analyze("alexnet", batch="N > 2")
    with pytest.raises(cnncost.CnnCostError, match="--batch must be"):  # a sympy object, by API
        cnncost.analyze("alexnet", batch=make_symbol("N") > 2)


# ---- a comparison on symbols is a condition, never a number -----------------------------------


@pytest.mark.parametrize("options", [{"set": ["classes=N > 2"]}, {"input": "3xH>2xW"},
                                     {"set": {"classes": "N >= 1000"}}])
def test_undecidable_comparison_as_a_value_is_a_user_error(options):
    with pytest.raises(cnncost.CnnCostError, match="depends on symbols"):
        cnncost.analyze("alexnet", **options)


def test_decidable_symbolic_comparison_still_works(tmp_path):
    # H is a positive integer symbol, so H > 0 is true: c = 5 channels, 3x3 conv on 1 channel
    # -> 5 * 9 * 1 weights + 5 biases = 50 params
    path = _spec(tmp_path, "name: t\ninput: [1, H, H]\nsymbols: {H: 8}\nlayers:\n"
                           "  - conv: {c: '5 if H > 0 else 7', k: 3, p: 1}\n")
    assert cnncost.analyze(path, input="1xHxH").totals.params == 5 * 9 + 5
