"""Tiny ONNX graphs for the importer tests, built with onnx.helper (no torch needed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class G:
    """Collects nodes and initializers; ``save`` writes a model with one input."""

    def __init__(self, shape: list[Any] = (1, 3, 8, 8)):
        self.nodes: list = []
        self.inits: list = []
        self.shape = list(shape)
        self.count = 0

    def w(self, *dims: int, name: str | None = None, value: Any = None) -> str:
        self.count += 1
        name = name or f"w{self.count}"
        arr = np.asarray(value, dtype=np.float32) if value is not None else \
            np.zeros(dims, dtype=np.float32)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def ints(self, values: list[int]) -> str:
        self.count += 1
        name = f"i{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    def op(self, op: str, inputs: list[str], name: str | None = None, outputs: int = 1,
           **attrs: Any) -> Any:
        self.count += 1
        name = name or f"{op.lower()}{self.count}"
        outs = [f"{name}_out{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def save(self, path: Any, output: str, opset: int = 17) -> str:
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, self.shape)
        y = helper.make_tensor_value_info(output, TensorProto.FLOAT, None)
        graph = helper.make_graph(self.nodes, "g", [x], [y], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="test")
        onnx.save(model, str(path))
        return str(path)
