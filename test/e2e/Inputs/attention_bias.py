"""Writes attention_bias.onnx: one attention block whose additive bias (a
per-query tensor, as relative-position or ALiBi biases are) is added before
the scores are scaled, so that the scale applies to the bias as well."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

seq, hidden, heads = 8, 64, 2
head_dim = hidden // heads
inits = [
    numpy_helper.from_array(np.array([1, seq, heads, head_dim], np.int64), "split"),
    numpy_helper.from_array(np.array([1, seq, hidden], np.int64), "merge"),
    numpy_helper.from_array(np.array(0.5, np.float32), "scale"),
]
nodes = [
    helper.make_node("Reshape", ["q", "split"], ["q4"]),
    helper.make_node("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),
    helper.make_node("Reshape", ["k", "split"], ["k4"]),
    helper.make_node("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1]),
    helper.make_node("Reshape", ["v", "split"], ["v4"]),
    helper.make_node("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3]),
    helper.make_node("MatMul", ["qh", "kt"], ["s"]),
    helper.make_node("Add", ["s", "bias"], ["s1"]),
    helper.make_node("Mul", ["s1", "scale"], ["s2"]),
    helper.make_node("Softmax", ["s2"], ["p"], axis=-1),
    helper.make_node("MatMul", ["p", "vh"], ["o"]),
    helper.make_node("Transpose", ["o"], ["o1"], perm=[0, 2, 1, 3]),
    helper.make_node("Reshape", ["o1", "merge"], ["out"]),
]
inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, seq, hidden]) for n in "qkv"]
inputs.append(helper.make_tensor_value_info("bias", TensorProto.FLOAT, [1, heads, seq, seq]))
graph = helper.make_graph(nodes, "attention_bias", inputs,
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, seq, hidden])], inits)
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8), sys.argv[1])
