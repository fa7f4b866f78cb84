"""Checks of the analysis against independent computations: a numpy forward pass (``reference``),
PyTorch agreement (``reference_torch``) and the published-numbers ledger (``ledger``)."""
