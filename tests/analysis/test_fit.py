"""Review of the memory fit, the GPU catalog and the published-numbers ledger: boundaries of the
batch solve, --amp/--dtype, --memory units, printed-precision tolerances, exit codes."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from cnncost.analysis import memory as m
from cnncost.errors import CnnCostError
from cnncost.verify.ledger import check_entry, load_ledger

from test_memory import TINY  # the same tiny spec as the memory tests (hand-worked)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


# ---- the batch solve: exact at the boundary --------------------------------------------------


@pytest.mark.parametrize("kw", [
    dict(train=False),
    dict(train=False, dtype="int8"),
    dict(train=False, amp=True),
    dict(train=True, optimizer="sgd"),
    dict(train=True, optimizer="adam", dtype="bf16"),
    dict(train=True, amp=True),
])
def test_max_batch_fits_and_the_next_batch_does_not(kw):
    """Whatever the mode, the reported max batch fits and max batch + 1 does not."""
    memory = "3GiB"
    r = m.fit("alexnet", memory=memory, input="3x224x224", **kw)
    assert r.max_batch >= 1
    at = m.fit("alexnet", memory=memory, input="3x224x224", batch=r.max_batch, **kw)
    above = m.fit("alexnet", memory=memory, input="3x224x224", batch=r.max_batch + 1, **kw)
    assert at.fits and not above.fits
    assert at.total_bytes <= 3 * 2**30 < above.total_bytes


def test_max_batch_on_a_staircase():
    # 100 + 512*ceil(300n/512): n=1..8 -> 300n <= 2560 <=> n <= 8 gives 100 + 2560 = 2660,
    # n=9 -> 2700 -> 3072 + 100 = 3172; so capacity 2660 -> 8 and 3171 -> 8, 3172 -> 10
    # (n=10: 3000 -> 3072 + 100 = 3172; n=11: 3300 -> 3584 + 100 = 3684)
    def total(n: int) -> int:
        return 100 + 512 * -(-(300 * n) // 512)

    assert m.max_batch(total, 2660) == 8
    assert m.max_batch(total, 3171) == 8
    assert m.max_batch(total, 3172) == 10
    assert m.max_batch(total, 611) == 0  # total(1) = 612


# ---- --amp and --dtype ------------------------------------------------------------------------


def test_amp_weights_are_fp32_masters_plus_16_bit_copies(tiny):
    # params (see tests/test_memory.py): conv 108 + 4, bn 4 + 4, linear 640 + 10
    # fp32 masters, each tensor rounded to 512 B: 432->512, 16->512, 16, 16 -> 512 each,
    # 2560, 40->512  = 5*512 + 2560 = 5120
    # autocast's 16-bit copies of conv/linear tensors only: 216->512, 8->512, 1280->1536, 20->512
    r = m.fit(tiny, memory="1GiB", amp=True, train=True, optimizer="adam")
    assert r.breakdown["weights"] == 5120 + 512 + 512 + 1536 + 512
    assert r.breakdown["gradients"] == 5120          # fp32 gradients of the masters
    assert r.breakdown["optimizer_state"] == 2 * 5120
    assert r.breakdown["buffers"] == 2 * 512         # fp32 running stats, 16 B each
    assert r.to_dict()["dtype"] == "amp"
    half = m.fit(tiny, memory="1GiB", dtype="fp16", train=True, optimizer="adam")
    # pure fp16: 216, 8, 8, 8, 1280, 20 -> 512*5 + 1536
    assert half.breakdown["weights"] == half.breakdown["gradients"] == 512 * 5 + 1536
    assert half.to_dict()["dtype"] == "fp16"


@pytest.mark.parametrize("args,message", [
    (["--amp", "--dtype", "fp16"], "--amp"),
    (["--amp", "--dtype", "bf16"], "--amp"),
    (["--amp", "--dtype", "int8"], "--amp"),
    (["--train", "--dtype", "int8"], "inference"),
    (["--dtype", "fp64"], "dtype"),
])
def test_cli_refuses_amp_and_dtype_mixes(cli, args, message):
    code, _, err = cli("fit", "alexnet", "--memory", "4GiB", *args)
    assert code == 2 and message in err and "Traceback" not in err


# ---- --memory: GiB vs GB ---------------------------------------------------------------------


def test_cli_memory_units(cli):
    for text, expected in (("16GB", 16 * 10**9), ("16 GiB", 16 * 2**30),
                           ("1.5gib", 3 * 2**29), ("512MiB", 2**29), ("800MB", 8 * 10**8)):
        code, out, err = cli("fit", "alexnet", "--memory", text, "--format", "json")
        assert code == 0, err
        assert json.loads(out)["capacity_bytes"] == expected


@pytest.mark.parametrize("text", ["0.5B", "0.1b", "0GiB", "-1GB", "nan", "inf GB", "12G"])
def test_cli_memory_refuses_less_than_a_byte_and_junk(cli, text):
    code, _, err = cli("fit", "alexnet", "--memory", text)
    assert code == 2 and "memory size" in err


def test_api_memory_in_bytes_must_be_positive():
    assert m.parse_size(4096) == 4096
    for bad in (0, -4096):
        with pytest.raises(CnnCostError, match="memory size"):
            m.parse_size(bad)


def test_catalog_is_not_shared_mutable_state():
    cat = m.gpus()
    cat["v100-16gb"]["memory"] = 1
    del cat["t4"]
    assert m.gpus()["v100-16gb"]["memory"] == 16 * 2**30
    assert m.find_gpu("t4")["memory"] == 16 * 2**30


# ---- the ledger: tolerance from the printed precision ----------------------------------------

HEADER = 'ledger: 1\nsources: {me: "My notes"}\nentries:\n'
# AlexNet conv1 at 227: 64*3*11*11 + 64 = 23,296 params (EECS 498 worked example)
CONV1 = ('  - {{id: a, model: alexnet, input: 3x227x227, from: features.0, until: features.0, '
         'quantity: params, value: {v}, unit: "{u}", source: me, locator: x}}\n')


def _ledger(tmp_path, value, unit: str = "K"):
    path = tmp_path / "mine.yaml"
    path.write_text(HEADER + CONV1.format(v=value, u=unit), encoding="utf-8")
    return path


@pytest.mark.parametrize("printed,tol", [
    ("13.6", Fraction(1, 20)), ("138", Fraction(1, 2)), ("0.7", Fraction(1, 20)),
    ("'11.30'", Fraction(1, 200)), ("11.30", Fraction(1, 200)), ("23.300", Fraction(1, 2000)),
    ("2.50e+1", Fraction(1, 20)), ("'1,000'", Fraction(1, 2)),
])
def test_tolerance_is_half_a_unit_of_the_printed_last_digit(tmp_path, printed, tol):
    (entry,) = load_ledger(_ledger(tmp_path, printed))
    assert entry.tolerance == tol


def test_a_trailing_zero_written_unquoted_still_counts(tmp_path):
    # 23.296 K vs "23.300": off by 0.004 K, more than half a unit of the third decimal
    (entry,) = load_ledger(_ledger(tmp_path, "23.300"))
    assert check_entry(entry).status == "REGRESSION"
    (entry,) = load_ledger(_ledger(tmp_path, "23.30"))
    assert check_entry(entry).status == "reproduced"  # 0.004 <= 0.005


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "'nan'", "'Infinity'"])
def test_non_finite_published_values_are_a_malformed_ledger(tmp_path, cli, value):
    code, _, err = cli("check", "--ledger", str(_ledger(tmp_path, value)))
    assert code == 2 and "number" in err, err


def test_non_finite_tolerance_is_a_malformed_ledger(tmp_path, cli):
    path = tmp_path / "mine.yaml"
    path.write_text(HEADER + CONV1.format(v=23, u="K").replace("}\n", ", tolerance: .inf}\n"),
                    encoding="utf-8")
    code, _, err = cli("check", "--ledger", str(path))
    assert code == 2 and "tolerance" in err, err


def test_check_exits_1_when_the_computed_value_drifts(tmp_path, cli):
    spec = tmp_path / "net.yaml"
    # conv 3->4, 3x3: 4*3*9 + 4 = 112 params
    spec.write_text(TINY.replace("  - bn\n", "").split("  - relu")[0], encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(HEADER + '  - {id: a, model: net.yaml, quantity: params, value: 112, '
                    'source: me, locator: x}\n', encoding="utf-8")
    code, out, err = cli("check", "--ledger", str(path))
    assert code == 0, out + err
    spec.write_text(spec.read_text().replace("c: 4", "c: 5"), encoding="utf-8")  # 5*27+5 = 140
    code, out, _ = cli("check", "--ledger", str(path), "--format", "json")
    assert code == 1
    (row,) = json.loads(out)["entries"]
    assert row["status"] == "REGRESSION" and row["computed"] == 140
