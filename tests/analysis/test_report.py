"""Report rows and totals: slices, --only, depth roll-ups, closed forms, and the symbolic == numeric
property. Every expected number is worked out in the test itself or comes from the cited source,
never from cnncost's output.
"""

from __future__ import annotations

import random

import pytest

import cnncost
from cnncost.spec.bindings import make_symbol

EXAMPLES = "specs/examples/"


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


def _spec(tmp_path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return str(path)


def test_from_with_only_reports_the_input_of_the_first_sliced_layer():
    # AlexNet on 224: conv 11/4 pad 2 -> (224 + 4 - 11) // 4 + 1 = 55; max-pool 3/2 ->
    # (55 - 3) // 2 + 1 = 27; features.3 (conv2) therefore reads 64x27x27.
    plain = cnncost.analyze("alexnet", input="3x224x224", start="features.3")
    only = cnncost.analyze("alexnet", input="3x224x224", start="features.3", only=["relu"])
    assert plain.input == (64, 27, 27)
    assert only.input == (64, 27, 27)
    assert only.rows[0].name != "features.3"  # the first kept row is a relu, not the slice start

TWO_UNNAMED_RESIDUALS = """\
name: dup
input: [3, 8, 8]
layers:
  - conv: {c: 4, k: 3, p: 1}
  - residual: {body: [{conv: {c: 4, k: 3, p: 1}}]}   # its merge is named "add"
  - conv: {c: 8, k: 1}
  - residual: {body: [{conv: {c: 8, k: 3, p: 1}}]}   # and so is this one
"""


def test_two_unnamed_merges_are_refused_and_can_be_named(tmp_path):
    # issue 14: two rows named "add" made slices pick one silently; a merge can be named
    with pytest.raises(cnncost.CnnCostError, match="two layers are named 'add'"):
        cnncost.analyze(_spec(tmp_path, TWO_UNNAMED_RESIDUALS), depth=1)
    named = TWO_UNNAMED_RESIDUALS.replace("p: 1}}]}   # and", "p: 1}}], merge_name: add2}   # and")
    r = cnncost.analyze(_spec(tmp_path, named), depth=1)
    # 4x8x8 = 256 and 8x8x8 = 512 elements, 4 bytes each
    assert [(row.name, row.output) for row in r.rows] == [
        ("0", (4, 8, 8)), ("1", (4, 8, 8)), ("add", (4, 8, 8)),
        ("2", (8, 8, 8)), ("3", (8, 8, 8)), ("add2", (8, 8, 8))]
    assert [row.activation_bytes for row in r.rows if row.type == "add"] == [4 * 256, 4 * 512]


@pytest.mark.parametrize("name", ["mobilenet_v2", "densenet121", "squeezenet1_1",
                                  "shufflenet_v2_x1_0"])
def test_symbolic_totals_equal_numeric(name):
    sym = cnncost.analyze(name, input="3xHxW").totals
    assert {s.name for s in sym.macs.free_symbols} == {"H", "W"}
    for hh, ww in [(224, 224), (193, 161), (129, 97)]:
        num = cnncost.analyze(name, input=f"3x{hh}x{ww}").totals
        for field in ("params", "macs", "activation_bytes"):
            value = getattr(sym, field)
            if hasattr(value, "subs"):
                names = {s.name: s for s in value.free_symbols}
                value = value.subs({names["H"]: hh, names["W"]: ww})
            assert int(value) == getattr(num, field), (field, hh, ww)
