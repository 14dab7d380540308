"""Writes the matrix products of matmul-kernels.test into OUT: for each
width N, y = x w with x [batch, sequence, 32] and w [32, N] either a
constant (packed at compile time) or a graph input (read in place)."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

K = 32


def write(path: str, n: int, constant: bool) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "sequence", K])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "sequence", n])
    inputs, initializers = [x], []
    if constant:
        weight = np.random.default_rng(n).standard_normal((K, n)).astype(np.float32)
        initializers.append(numpy_helper.from_array(weight, "w"))
    else:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [K, n]))
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "matmul", inputs, [y], initializers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8), path)


if __name__ == "__main__":
    out = sys.argv[1]
    for n in (int(v) for v in sys.argv[2:]):
        write(os.path.join(out, f"const{n}.onnx"), n, True)
        write(os.path.join(out, f"input{n}.onnx"), n, False)
