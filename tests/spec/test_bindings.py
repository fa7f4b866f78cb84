"""Bindings of --set, --input and --batch: symbols, batch values and comparisons."""

from __future__ import annotations

import pytest

import cnncost
from cnncost.errors import CnnCostError
from cnncost.spec.bindings import make_symbol


def _spec(tmp_path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return str(path)


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


# ---- one --set parser, one input form ---------------------------------------------------------


@pytest.mark.parametrize("command", [["report", "resnet18"], ["compare", "resnet18", "resnet34"],
                                     ["fit", "resnet18", "--gpu", "t4"],
                                     ["sweep", "resnet18"], ["verify", "alexnet"]])
def test_every_command_refuses_a_duplicate_set(cli, command):
    code, _, err = cli(*command, "--set", "classes=10", "--set", "classes=20")
    assert code == 2 and "--set classes given twice" in err


def test_api_refuses_a_duplicate_set():
    with pytest.raises(CnnCostError, match="given twice"):
        cnncost.analyze("resnet18", set=["classes=10", "classes=20"])


def test_input_as_text_tuple_or_list():
    # resnet18 conv1 at 3x224x224: 64 x 112 x 112 outputs x 3*7*7 = 118,013,952 MACs
    for value in ("3x224x224", (3, 224, 224), [3, 224, 224], "3,224,224"):
        assert cnncost.analyze("resnet18", input=value, until="conv1").totals.macs == \
            64 * 112 * 112 * 3 * 7 * 7
    r = cnncost.analyze("resnet18", input=(3, "H", "W"), until="conv1")
    assert r.symbolic


@pytest.mark.parametrize("value", [(3, 224), [3, 224, 224, 1], 224, (3, True, 224)])
def test_malformed_input_forms_are_user_errors(value):
    with pytest.raises(CnnCostError, match="input"):
        cnncost.analyze("resnet18", input=value)
