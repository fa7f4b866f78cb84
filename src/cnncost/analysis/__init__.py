"""Analysis of a built graph: per-layer cost rows and totals (``report``), storage and liveness
(``liveness``), memory and fit on a GPU (``memory``), backward counts and training compute
(``training``), the roofline and time model (``timing``, ``calibration``)."""
