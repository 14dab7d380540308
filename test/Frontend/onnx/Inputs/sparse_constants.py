"""Writes binary ONNX models whose Constant nodes hold a `sparse_value`.

ONNX text syntax cannot spell sparse tensors, so constant.onnxtxt makes these
models with `%xf_python Inputs/sparse_constants.py OUTDIR`.
"""

import os
import sys

import onnx
from onnx import TensorProto, helper


def constant_model(name, values, indices, dims, out_type):
    node = helper.make_node(
        "Constant", [], ["A"], name=name,
        sparse_value=helper.make_sparse_tensor(values, indices, dims))
    graph = helper.make_graph(
        [node], name, [], [helper.make_tensor_value_info("A", out_type, dims)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    models = {
        # Linear indices into a [3, 4] float tensor.
        "linear": constant_model(
            "sparse_linear",
            helper.make_tensor("v", TensorProto.FLOAT, [2], [1.5, 2.5]),
            helper.make_tensor("i", TensorProto.INT64, [2], [1, 10]),
            [3, 4], TensorProto.FLOAT),
        # [NNZ, rank] coordinates into a [3, 4] int64 tensor.
        "coords": constant_model(
            "sparse_coords",
            helper.make_tensor("v", TensorProto.INT64, [3], [7, 8, 9]),
            helper.make_tensor("i", TensorProto.INT64, [3, 2], [0, 0, 1, 2, 2, 3]),
            [3, 4], TensorProto.INT64),
        # 20 non-zero values: more than xfc inlines as a dense attribute.
        "many": constant_model(
            "sparse_many",
            helper.make_tensor("v", TensorProto.FLOAT, [20],
                               [float(i) for i in range(1, 21)]),
            helper.make_tensor("i", TensorProto.INT64, [20], list(range(0, 40, 2))),
            [5, 8], TensorProto.FLOAT),
        # Errors: an index past the end, indices of the wrong shape.
        "out_of_range": constant_model(
            "sparse_oob",
            helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]),
            helper.make_tensor("i", TensorProto.INT64, [1], [12]),
            [3, 4], TensorProto.FLOAT),
        "bad_indices": constant_model(
            "sparse_bad_indices",
            helper.make_tensor("v", TensorProto.FLOAT, [2], [1.0, 2.0]),
            helper.make_tensor("i", TensorProto.INT64, [3], [0, 1, 2]),
            [3, 4], TensorProto.FLOAT),
    }
    for name, model in models.items():
        onnx.save(model, os.path.join(out, name + ".onnx"))


if __name__ == "__main__":
    main()
