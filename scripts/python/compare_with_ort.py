"""Runs an ONNX model with onnxruntime and its xfc artifact on the same
random inputs and checks that they agree.

    compare_with_ort.py MODEL.onnx MODEL.xfm --shape 1x7 --shape 2x16 [--rtol 1e-4]

Every input takes the shape given (all inputs of a transformer share
[batch, sequence]; inputs of another rank keep their static shape). Integer
inputs that index tables get values in the range the artifact's manifest
gives; an `attention_mask` gets ones with a padded tail. The check is
max |xfc - ort| <= rtol * max |ort| per output. Exit status 1 on mismatch.
"""

import argparse
import json
import sys
import time

import numpy as np
import onnxruntime as ort

import xfrt


def make_inputs(model, manifest, shape, rng):
    ranges = {t["name"]: t.get("value_range") for t in manifest["inputs"]}
    feeds = {}
    for name, dtype, declared in model.inputs:
        # Inputs of the transformer's rank take the requested shape (even
        # where it contradicts a static one: the runtime must refuse it).
        dims = list(shape) if len(declared) == len(shape) else [d if d >= 0 else 1 for d in declared]
        if np.issubdtype(dtype, np.integer):
            if "mask" in name:
                array = np.ones(dims, dtype=dtype)
                if len(dims) == 2 and dims[1] > 2:
                    for row in range(dims[0]):
                        array[row, dims[1] - rng.integers(0, dims[1] // 2):] = 0
            else:
                lo, hi = ranges.get(name) or (0, 2)
                array = rng.integers(max(lo, 0), hi, size=dims).astype(dtype)
        elif dtype == np.bool_:
            array = rng.integers(0, 2, size=dims).astype(np.bool_)
        else:
            array = rng.standard_normal(dims).astype(dtype)
        feeds[name] = array
    return feeds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("onnx")
    parser.add_argument("xfm")
    parser.add_argument("--shape", action="append", default=[], help="BATCHxSEQUENCE, repeatable")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = xfrt.Model(args.xfm)
    manifest = json.loads(model.manifest)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(args.seed)
    failed = False
    for spec in args.shape or ["1x8"]:
        shape = [int(d) for d in spec.split("x")]
        feeds = make_inputs(model, manifest, shape, rng)
        start = time.perf_counter()
        ours = model.run(feeds)
        xf_ms = (time.perf_counter() - start) * 1e3
        reference = session.run(None, feeds)
        for (name, _, _), got, want in zip(model.outputs, ours, reference):
            if got.shape != want.shape:
                print(f"FAIL {spec} {name}: shape {got.shape} != onnxruntime {want.shape}")
                failed = True
                continue
            scale = float(np.abs(want).max()) if want.size else 0.0
            error = float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max()) if want.size else 0.0
            ok = error <= args.rtol * max(scale, 1e-30) or error == 0.0
            failed |= not ok
            print(f"{'ok  ' if ok else 'FAIL'} {spec} {name}: max|err| {error:.3g} <= {args.rtol:g} x max|ref| {scale:.3g}"
                  f" ({xf_ms:.1f} ms)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
