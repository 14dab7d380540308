#!/usr/bin/env python3
"""Exports the zoo's TensorFlow/Keras models with tf2onnx: a BERT-style
encoder written with Keras layers (Embedding, MultiHeadAttention,
LayerNormalization, Dense with BERT's erf GELU as TF writes it), seeded
random weights, dynamic batch and sequence.

    export_tf_zoo.py --out DIR

Runs in the TensorFlow venv (.venv-tf, requirements-tf.txt; made by
scripts/setup.sh), apart from the torch exporter's and the test venv.
Writes DIR/<name>-op<opset>.onnx and DIR/zoo.json in the format of
export_zoo.py, which scripts/zoo/run_zoo.py reads
(`run_zoo.py --exporter .venv-tf/bin/python --export-script export_tf_zoo.py`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from keras import layers  # noqa: E402
from zoo_index import export_all  # noqa: E402

# The torch zoo's sizes (export_zoo.py): 2 layers, so that a fusion that
# works on the first layer only shows up as a miss.
VOCAB = 1000
HIDDEN = 64
HEADS = 4
FFN = 128
POSITIONS = 128
LAYERS = 2
OPSETS = (14, 17)


def erf_gelu(x):
    """BERT's GELU as its TensorFlow code writes it."""
    return 0.5 * x * (1.0 + tf.math.erf(x / 1.4142135623730951))


class KerasBert(keras.Model):
    """Token and position embeddings, a layer norm, then post-norm blocks of
    Keras MultiHeadAttention and a GELU feed-forward."""

    def __init__(self):
        super().__init__()
        self.tokens = layers.Embedding(VOCAB, HIDDEN)
        self.positions = layers.Embedding(POSITIONS, HIDDEN)
        self.norm = layers.LayerNormalization(epsilon=1e-12)
        self.blocks = [
            (layers.MultiHeadAttention(HEADS, HIDDEN // HEADS),
             layers.LayerNormalization(epsilon=1e-12),
             layers.Dense(FFN, activation=erf_gelu), layers.Dense(HIDDEN),
             layers.LayerNormalization(epsilon=1e-12))
            for _ in range(LAYERS)
        ]

    def call(self, ids, mask):
        x = self.tokens(ids) + self.positions(tf.range(tf.shape(ids)[1]))[None]
        x = self.norm(x)
        visible = tf.cast(mask[:, None, :], tf.bool)
        for attention, norm1, up, down, norm2 in self.blocks:
            x = norm1(x + attention(x, x, attention_mask=visible))
            x = norm2(x + down(up(x)))
        return x


def export(out: str) -> list[dict]:
    keras.utils.set_random_seed(0)
    model = KerasBert()
    spec = (tf.TensorSpec((None, None), tf.int32, name="input_ids"),
            tf.TensorSpec((None, None), tf.int32, name="attention_mask"))
    model(tf.ones((1, 4), tf.int32), tf.ones((1, 4), tf.int32))

    @tf.function(input_signature=spec)
    def forward(input_ids, attention_mask):
        return {"last_hidden_state": model(input_ids, attention_mask)}

    records = []
    for opset in OPSETS:
        start = time.time()
        name = f"keras-bert-op{opset}"
        path = os.path.join(out, name + ".onnx")
        proto, _ = tf2onnx.convert.from_function(forward, input_signature=spec, opset=opset)
        onnx.save(proto, path)
        records.append({
            "name": name, "file": os.path.basename(path), "architecture": "keras-bert",
            "model_class": "keras.Model (MultiHeadAttention)", "kind": "encoder", "opset": opset,
            "inputs": {"input_ids": "ids", "attention_mask": "mask"}, "static": {},
            "output": "last_hidden_state",
            "contains": {"attention": LAYERS, "norms": 1 + 2 * LAYERS, "activation": "gelu",
                         "layers": LAYERS},
            "notes": "Keras layers through tf2onnx",
        })
        print(f"exported {name:<22} {os.path.getsize(path) / 1e6:6.2f} MB {time.time() - start:5.1f} s",
              flush=True)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return export_all(["keras-bert"], lambda name: export(args.out), args.out,
                      f"tf2onnx {tf2onnx.__version__} (TensorFlow {tf.__version__}, Keras {keras.__version__})")


if __name__ == "__main__":
    sys.exit(main())
