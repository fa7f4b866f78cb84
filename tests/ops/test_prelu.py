"""prelu: one learnable slope per channel (or one); forward against torch."""

from __future__ import annotations

import numpy as np
import pytest

from cnncost.errors import CnnCostError
from single_op import run_op


def test_params_by_hand():
    assert run_op("prelu", {"num_parameters": 4}, (4, 3, 3))["params"] == 4
    assert run_op("prelu", {}, (4, 3, 3))["params"] == 1
    with pytest.raises(CnnCostError, match="1 or the 4 channels"):
        run_op("prelu", {"num_parameters": 3}, (4, 3, 3))


def test_forward_matches_torch():
    torch = pytest.importorskip("torch")
    r = run_op("prelu", {"num_parameters": 4}, (4, 3, 3))
    ref = torch.nn.functional.prelu(torch.from_numpy(r["x"]), torch.from_numpy(r["w"]["weight"]))
    np.testing.assert_allclose(r["y"], ref.numpy(), rtol=1e-12)
