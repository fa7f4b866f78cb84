"""SENet-154 against timm's port of the released model (``legacy_senet154``): per-layer names,
params and conv+linear MACs from forward hooks, at 224 and at an odd, non-square size."""

from __future__ import annotations

import pytest

import cnncost


@pytest.mark.parametrize("size", [(224, 224), (193, 257)])
def test_senet154_equals_timm_layer_by_layer(size):
    torch = pytest.importorskip("torch")
    timm = pytest.importorskip("timm")
    with torch.device("meta"):
        net = timm.create_model("legacy_senet154", pretrained=False).eval()
    macs: dict[str, int] = {}

    def hook(name):
        def record(mod, inp, out):
            per_out = (mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
                       if isinstance(mod, torch.nn.Conv2d) else mod.in_features)
            macs[name] = out.numel() * per_out
        return record

    for name, mod in net.named_modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            mod.register_forward_hook(hook(name))
    with torch.no_grad():
        net(torch.empty(1, 3, *size, device="meta"))
    r = cnncost.analyze("senet154", input=f"3x{size[0]}x{size[1]}")
    mine = {row.name: row.macs for row in r.rows if row.type in ("conv", "linear")}
    assert mine == macs
    assert r.totals.params == sum(p.numel() for p in net.parameters()) == 115_088_984
