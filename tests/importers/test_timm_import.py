"""timm CNNs of distinct families through both importers, against forward hooks.

timm is a test-time dependency only (``pretrained=False``: nothing is downloaded). The default run
takes two small models; CNNCOST_IMPORT_SWEEP=1 runs all of FAMILIES at 3×160×160.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch")
timm = pytest.importorskip("timm")
pytest.importorskip("onnx")

import cnncost  # noqa: E402
from cnncost.importers import from_onnx, from_torch  # noqa: E402
from torch_hooks import export_onnx, hook_counts  # noqa: E402

SWEEP = os.environ.get("CNNCOST_IMPORT_SWEEP") == "1"
SIZE = (3, 160, 160)
# one model per family
FAMILIES = [
    "resnet26d",              # ResNet-D: deep stem, average-pool shortcut
    "seresnext26d_32x4d",     # SE + grouped bottlenecks
    "resnetv2_50",            # pre-activation ResNet
    "efficientnet_b0",        # MBConv with SE and SiLU
    "mobilenetv2_100",        # inverted residuals, ReLU6
    "mobilenetv3_large_100",  # hard-swish, hard-sigmoid SE
    "mnasnet_100",
    "fbnetc_100",
    "spnasnet_100",
    "hardcorenas_a",
    "regnetx_002",            # RegNetX: grouped
    "regnety_002",            # RegNetY: SE
    "densenet121",            # dense concatenation
    "repvgg_a0",              # three-branch training-time blocks
    "ghostnet_100",           # ghost modules
    "lcnet_050",              # PP-LCNet
    "cspresnet50",            # cross-stage partial
    "cs3darknet_s",
    "darknet53",
    "xception41",             # separable convolutions
    "gernet_s",               # GENet
    "inception_v3",
]
DEFAULT = ["lcnet_050", "regnetx_002"]


@pytest.mark.parametrize("name", FAMILIES if SWEEP else DEFAULT)
def test_timm_model_matches_hooks(name, tmp_path):
    model = timm.create_model(name, pretrained=False).eval()
    oracle = hook_counts(model, SIZE)
    r = cnncost.analyze(from_torch(model, SIZE))
    assert (r.totals.params, r.totals.macs) == (oracle["params"], oracle["macs"])
    path = export_onnx(model, tmp_path / f"{name}.onnx", SIZE, dynamic=False)
    r = cnncost.analyze(from_onnx(path))
    assert (r.totals.params, r.totals.macs) == (oracle["params"] - oracle["bn_channels"],
                                                oracle["macs"])
