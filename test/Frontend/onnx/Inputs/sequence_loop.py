"""Writes repeat_interleave.onnx: a Loop over a sequence, as torch.onnx
exports repeat_interleave with a computed repeat count.

Debian's libonnx text parser cannot spell sequence types, so
control-flow.onnxtxt makes this model with
`%xf_python Inputs/sequence_loop.py OUTDIR`.
"""

import os
import sys

import onnx
import onnx.parser

MODEL = """
<
  ir_version: 8,
  opset_import: ["" : 13]
>
agraph (float[N, 2] X) => (float[N, 4] Y) {
  parts = SplitToSequence <axis = 1, keepdims = 1> (X)
  trips = Constant <value = int64 {2}> ()
  go = Constant <value = bool {1}> ()
  empty = SequenceEmpty <dtype = 1> ()
  out = Loop (trips, go, empty) <
    body = repeat (int64 i, bool c, seq(float[N, 2]) s)
        => (bool c_out, seq(float[N, 2]) s_out) {
      c_out = Identity(c)
      part = SequenceAt(parts, i)
      twice = Concat <axis = 1> (part, part)
      s_out = SequenceInsert(s, twice)
    }
  >
  Y = ConcatFromSequence <axis = 1> (out)
}
"""


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    model = onnx.parser.parse_model(MODEL)
    onnx.save(model, os.path.join(out, "repeat_interleave.onnx"))


if __name__ == "__main__":
    main()
