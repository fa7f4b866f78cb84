"""Review of the CLI renderers: options honoured in every format, unambiguous symbolic shapes.

Expected numbers are hand arithmetic written out here, never cnncost's own output.
"""

from __future__ import annotations

import csv
import io

# AlexNet conv1 (torchvision): 64 filters of 3x11x11 + 64 biases; stride 4, padding 2, so at a
# 3x227x227 input its output is (227 + 2*2 - 11) // 4 + 1 = 56 wide and high.
CONV1_PARAMS = (3 * 11 * 11 + 1) * 64              # 23,296
CONV1_MACS_227 = 64 * 56 * 56 * 3 * 11 * 11        # 72,855,552
CONV1_BYTES_227 = 64 * 56 * 56 * 4                 # 802,816


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_report_html_honours_exact(cli):
    code, out, _ = cli("report", "alexnet", "--input", "3x227x227", "--format", "html", "--exact")
    assert code == 0
    row = next(line for line in out.splitlines() if "<td>features.0</td>" in line)
    assert f"<td>{CONV1_PARAMS:,}</td>" in row
    assert f"<td>{CONV1_MACS_227:,}</td>" in row
    assert f"<td>{CONV1_BYTES_227:,}</td>" in row


def test_report_csv_symbolic_shape_is_unambiguous(cli):
    # conv1 on H: floor((H + 2*2 - 11) / 4) + 1 = floor(H/4 - 7/4) + 1, a compound size that
    # must not run into the "x" separators ("64xfloor(H/4 - 7/4) + 1xfloor(...)" reads wrongly).
    code, out, _ = cli("report", "alexnet", "--input", "3xHxW", "--format", "csv")
    assert code == 0
    rows = {r[0]: r for r in _csv(out)}
    assert rows["features.0"][2] == "64x(floor(H/4 - 7/4) + 1)x(floor(W/4 - 7/4) + 1)"
    assert rows["features.0"][3] == str(CONV1_PARAMS)


def test_report_csv_atomic_symbols_stay_bare(cli):
    code, out, _ = cli("report", "specs/examples/one_conv5x5.yaml", "--format", "csv")
    assert code == 0
    rows = _csv(out)
    assert rows[1][:4] == ["conv5x5", "conv", "CxHxW", "25*C**2"]  # 5*5*C*C weights, no bias


def test_compare_csv_symbolic_input(cli):
    code, out, _ = cli("compare", "alexnet", "alexnet", "--input", "3x(2*H)x(2*W)", "--format",
                       "csv")
    assert code == 0
    rows = _csv(out)
    assert [r[1] for r in rows[1:]] == ["3x(2*H)x(2*W)"] * 2


def test_sweep_symbolic_input_and_output_columns(cli):
    code, out, _ = cli("sweep", "alexnet", "--input", "3x(2*H)x(2*W)", "--format", "csv")
    assert code == 0
    rows = _csv(out)
    assert rows[0][:2] == ["input", "output"]
    assert rows[1][:3] == ["3x(2*H)x(2*W)", "1000", str(61_100_840)]  # torchvision alexnet: 61,100,840

