#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the lit tests' inputs.

The committed corpora (test/fuzz/corpus/<target>) started from these seeds
and grew by fuzzing (scripts/fuzz.sh --merge keeps them minimal). Rerun
this only to add seeds:

  .venv/bin/python test/fuzz/make_seeds.py --xfc build/bin/xfc
"""

import argparse
import hashlib
import io
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.parser

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "test/fuzz/corpus"


def write_seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    (directory / name).write_bytes(data)


def onnx_text_cases():
    """Every model of the ONNX text tests, comments stripped."""
    for path in sorted(ROOT.glob("test/**/*.onnxtxt")):
        for case in path.read_text().split("# -----"):
            text = "\n".join(
                line for line in case.splitlines() if not line.startswith("#")
            ).strip()
            if text.startswith("<"):
                yield text


def xf_cases():
    for path in sorted(ROOT.glob("test/Dialect/xf/*.mlir")):
        for case in path.read_text().split("// -----"):
            text = "\n".join(
                line for line in case.splitlines() if not line.startswith("//")
            ).strip()
            if text:
                yield text


def npy_seeds():
    arrays = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([[1, 2, 3]], dtype=np.int64),
        np.array(3.5, dtype=np.float64),
        np.zeros((0, 4), dtype=np.int32),
        np.array([True, False]),
        np.arange(4, dtype=np.float16),
        np.arange(3, dtype=np.uint8),
    ]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array)
        yield buffer.getvalue()
    # Format 2.0 header.
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, arrays[0], version=(2, 0))
    yield buffer.getvalue()


def artifact_seeds(xfc):
    """A small compiled model, whole, and its manifest for the wrapping
    mode (weights_size 0, as the target's wrapper writes no weights)."""
    source = ROOT / "test/runtime/Inputs/embed.onnxtxt"
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "embed.xfm"
        subprocess.run([xfc, str(source), "-o", str(out)], check=True)
        data = out.read_bytes()
    yield b"\0" + data
    header = np.frombuffer(data[:64], dtype="<u8")
    offset, size = int(header[2]), int(header[3])
    manifest = data[offset:offset + size].decode()
    manifest = re.sub(r'"weights_size": \d+', '"weights_size": 0', manifest)
    yield b"\1" + manifest.encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--xfc", required=True)
    args = parser.parse_args()
    for text in onnx_text_cases():
        write_seed("fuzz-onnx-text", text)
        try:
            model = onnx.parser.parse_model(text)
        except Exception:  # Error cases the importer must refuse.
            continue
        write_seed("fuzz-onnx-binary", model.SerializeToString())
    for text in xf_cases():
        write_seed("fuzz-xf-parser", text)
    for data in npy_seeds():
        write_seed("fuzz-npy-reader", data)
    for data in artifact_seeds(args.xfc):
        write_seed("fuzz-artifact-loader", data)
    for target in sorted(CORPUS.iterdir()):
        print(f"{target.name}: {len(list(target.iterdir()))} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
