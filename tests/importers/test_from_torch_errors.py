"""from_torch on modules it cannot take: one clear error naming the module and the reason."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import cnncost  # noqa: E402
from cnncost.errors import CnnCostError  # noqa: E402
from cnncost.importers import from_torch  # noqa: E402


class DataDependent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        y = self.conv(x)
        if y.sum() > 0:  # data-dependent control flow: no static graph
            return y
        return -y


class Unsupported(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.cumsum(self.conv(x), dim=1)


def test_untraceable_module_names_module_and_reason():
    with pytest.raises(CnnCostError, match=r"torch.export could not trace torch module "
                                           r"DataDependent \(.*\)"):
        from_torch(DataDependent(), (3, 8, 8))


def test_unsupported_aten_op_names_node_and_module_path():
    with pytest.raises(CnnCostError, match=r"node 'cumsum' \(cumsum\).*not supported; "
                                           r"supported aten ops: .*conv2d"):
        from_torch(Unsupported(), (3, 8, 8))


def test_not_a_module():
    with pytest.raises(CnnCostError, match="is not a torch.nn.Module"):
        from_torch(object(), (3, 8, 8))


def test_inplace_flags_follow_torch():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(inplace=False))
    text = from_torch(model, (3, 8, 8)).to_yaml()
    assert "{relu: {inplace: false}, name: '1'}" in text
    r = cnncost.analyze(from_torch(model, (3, 8, 8)))
    assert r.rows[1].activation_bytes == 4 * 6 * 6 * 4  # a new tensor, as torch allocates


class ExportRefuses(torch.nn.Module):
    """A guard torch.export trips (it reports is_exporting()) and torch.fx does not: the import
    falls back to symbolic_trace + ShapeProp."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.relu = torch.nn.ReLU(inplace=True)
        self.conv2 = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(8, 5)

    def forward(self, x):
        if torch.compiler.is_exporting():
            raise RuntimeError("this module refuses torch.export")
        y = self.relu(self.bn(self.conv(x)))
        y = y + self.conv2(x)
        return self.fc(torch.flatten(self.pool(y), 1))


def test_fx_fallback_when_export_refuses():
    model = ExportRefuses()
    with pytest.raises(RuntimeError):
        torch.export.export(model.eval(), (torch.zeros(1, 3, 9, 11),), strict=False)
    r = cnncost.analyze(from_torch(model, (3, 9, 11)))
    # by hand: two convs, 9*11*8 outputs of 3*3*3 MACs each; fc 8*5
    assert r.totals.macs == 2 * 9 * 11 * 8 * 27 + 8 * 5
    assert r.totals.params == sum(p.numel() for p in model.parameters())
    names = [row.name for row in r.rows]
    assert names[:3] == ["conv", "bn", "relu"] and "fc" in names and "conv2" in " ".join(names)


def test_both_tracers_fail_names_module_and_both_reasons():
    with pytest.raises(CnnCostError, match=r"torch.export could not trace torch module "
                                           r"DataDependent \(.*\), nor could torch.fx \(.*\)"):
        from_torch(DataDependent(), (3, 8, 8))
