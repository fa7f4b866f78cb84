"""Bindings of --set, --input and --batch: symbols, batch values and comparisons."""

from __future__ import annotations

import pytest

import cnncost
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
