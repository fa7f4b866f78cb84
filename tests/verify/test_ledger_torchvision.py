"""The ledger's torchvision block: every weight of every CNN builder, and the kinds of entry it
introduced (recorded accuracy, min_size, models the zoo does not bundle yet).

Expected values come from the installed torchvision's metadata (read here directly, not through
the script) or from hand arithmetic written in the test.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from cnncost.verify.ledger import RECORDED, REGRESSION, REPRODUCED
from cnncost.verify.ledger_file import load_ledger

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "torchvision_ledger.py"
HEADER = 'ledger: 1\nsources: {me: "My notes"}\nentries:\n'


def _script():
    spec = importlib.util.spec_from_file_location("torchvision_ledger", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "mine.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    return str(path)


def test_committed_block_is_what_the_installed_torchvision_publishes(torchvision_models, capsys):
    assert _script().main(["--check"]) == 0, capsys.readouterr().out[-3000:]


def test_every_weight_of_every_cnn_builder_is_covered(torchvision_models):
    tv = torchvision_models
    cnn = [n for n in tv.list_models(module=tv) if not n.startswith(("vit_", "swin_", "maxvit"))]
    assert len(cnn) == 68  # 80 classifiers minus 5 ViT, 6 Swin and MaxViT
    by_id = {e.id: e for e in load_ledger()}
    weights = 0
    for builder in cnn:
        params = by_id[f"torchvision-{builder}-params"]
        for w in tv.get_model_weights(builder):
            weights += 1
            crop = w.transforms().crop_size[0]
            tag = f"{type(w).__name__}.{w.name}"
            assert params.value == w.meta["num_params"]
            assert by_id[f"torchvision-{builder}-min_size"].value == w.meta["min_size"][0]
            ops = by_id[f"torchvision-{builder}-ops" if w.name == "IMAGENET1K_V1"
                        else f"torchvision-{builder}-{w.name.lower()}-ops"]
            assert (ops.weights, ops.sel.input) == (tag, f"3x{crop}x{crop}")
            assert float(ops.value) == w.meta["_ops"] and ops.unit == "G"
            for key, short in (("acc@1", "acc1"), ("acc@5", "acc5")):
                published = w.meta["_metrics"]["ImageNet-1K"][key]
                entry = by_id.get(f"torchvision-{builder}-{w.name.lower()}-{short}")
                if math.isnan(published):  # vgg16's IMAGENET1K_FEATURES: no classifier
                    assert entry is None
                    continue
                assert entry.quantity == key and float(entry.value) == published
                assert (entry.weights, entry.sel.input) == (tag, f"3x{crop}x{crop}")
    assert weights == 98


def test_block_counts_without_torchvision():
    entries = [e for e in load_ledger() if e.source in ("torchvision", "torchvision-weights")]
    assert len({e.sel.model for e in entries}) == 68
    assert len({e.weights for e in entries if e.quantity == "macs"}) == 98
    # EfficientNet-B7 at 600, Inception v3 at 299, RegNetY-128GF SWAG E2E at 384
    by_id = {e.id: e for e in entries}
    assert by_id["torchvision-efficientnet_b7-ops"].sel.input == "3x600x600"
    assert by_id["torchvision-inception_v3-ops"].sel.input == "3x299x299"
    assert by_id["torchvision-regnet_y_128gf-imagenet1k_swag_e2e_v1-ops"].sel.input == "3x384x384"


def test_unknown_model_is_one_clear_line(tmp_path, cli):
    body = ("  - {id: a, model: vgg17, quantity: params, value: 133, unit: M, source: me, "
            "locator: x}\n")
    code, out, err = cli("check", "--ledger", _write(tmp_path, body), "--format", "json")
    # a ledger naming a model the zoo lacks is a bad ledger (exit 2), not a regression
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "unknown model 'vgg17'" in err


def test_accuracy_is_recorded_not_recomputed(tmp_path, cli):
    body = ('  - {id: a, model: vgg11, input: 3x224x224, quantity: "acc@1", value: "69.02", '
            'unit: "%", source: me, locator: x, weights: VGG11_Weights.IMAGENET1K_V1}\n'
            '  - {id: b, model: vgg11, quantity: top5_error, value: "7.3", unit: "%", source: me, '
            'locator: y, year: 2014}\n')
    code, out, _ = cli("check", "--ledger", _write(tmp_path, body), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["summary"]["recorded"] == 2
    assert [(e["status"], e["computed"]) for e in data["entries"]] == [(RECORDED, None)] * 2
    code, out, _ = cli("check", "--ledger", _write(tmp_path, body))
    assert "recorded" in out.splitlines()[-1]
    entry = load_ledger(_write(tmp_path, body))[1]
    assert entry.year == 2014 and entry.quantity == "top5_error"


def test_min_size_entry(tmp_path, cli):
    # AlexNet at 63: conv1 (63+4-11)//4+1 = 15, pool 7, conv2 7, pool 3, pool5 (3-3)//2+1 = 1;
    # at 62: conv1 14, pool 6, pool 2, and pool5's 3x3 window no longer fits
    body = ("  - {id: a, model: alexnet, quantity: min_size, value: 63, unit: '', source: me, "
            "locator: x}\n")
    code, out, _ = cli("check", "--ledger", _write(tmp_path, body), "--format", "json")
    assert code == 0 and json.loads(out)["entries"][0]["status"] == REPRODUCED
    code, out, _ = cli("check", "--ledger", _write(tmp_path, body.replace("63", "62")))
    assert code == 1 and "computed 63" in out


@pytest.mark.parametrize("field, message", [
    ("year: 2014.5", "'year' of entry 'a' must be an integer"),
    ("year: true", "'year' of entry 'a' must be an integer"),
    ("weights: [1]", "'weights' must be non-empty text"),
])
def test_new_keys_are_validated(tmp_path, cli, field, message):
    body = ("  - {id: a, model: vgg11, quantity: params, value: 133, unit: M, source: me, "
            f"locator: x, {field}}}\n")
    code, _, err = cli("check", "--ledger", _write(tmp_path, body))
    assert code == 2 and message in err and "mine.yaml" in err
