#!/usr/bin/env python3
"""Seeded mutations of a compiled artifact, each run by xf-run on the same
inputs: every mutation must be refused with a message or give outputs
identical to the original's. A crash, a hang, a refusal without a message
or different outputs (a silent wrong answer) fails.

    artifact_mutations.py --xf-run build/bin/xf-run --artifact M.xfm
        --input NAME=FILE.npy ... [--count 1000] [--seed 0] [--jobs 2]

Mutations, drawn in turn: a flipped byte anywhere, a flipped byte in a
chosen section (header, manifest, code, weights), a truncation, appended
bytes, a header field set to a random value, and manifest edits whose
checksum is recomputed (a renamed key, a changed digit, a changed letter of
a string), which only the manifest's schema and the runtime's checks of
what it says can refuse. The last line reads `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
from xfm_format import manifest_span, rehash_manifest  # noqa: E402

KINDS = ["byte", "section-byte", "truncate", "extend", "header-field",
         "manifest-key", "manifest-digit", "manifest-letter"]


def sections(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of the header and of the three sections."""
    manifest_offset, manifest_size, code_offset, code_size, weights_offset, weights_size = \
        struct.unpack_from("<6Q", data, 16)
    return [(0, 64), (manifest_offset, manifest_size), (code_offset, code_size),
            (weights_offset, weights_size)]


def mutate(data: bytes, kind: str, rng) -> tuple[bytes, str]:
    out = bytearray(data)
    if kind == "byte":
        at = int(rng.integers(len(out)))
        out[at] ^= int(rng.integers(1, 256))
        return bytes(out), f"byte {at} flipped"
    if kind == "section-byte":
        index = int(rng.integers(4))
        offset, size = sections(data)[index]
        if size == 0:
            return bytes(out), "empty section (unchanged)"
        at = offset + int(rng.integers(size))
        out[at] ^= 1 << int(rng.integers(8))
        return bytes(out), f"bit flipped at {at} in {['header', 'manifest', 'code', 'weights'][index]}"
    if kind == "truncate":
        at = int(rng.integers(len(out)))
        return bytes(out[:at]), f"truncated to {at} bytes"
    if kind == "extend":
        extra = rng.integers(0, 256, size=int(rng.integers(1, 4096)), dtype=np.uint8).tobytes()
        return bytes(out) + extra, f"{len(extra)} bytes appended"
    if kind == "header-field":
        field = int(rng.integers(8, 64, endpoint=False)) // 8 * 8
        value = int(rng.integers(0, 2**63)) if rng.integers(2) else int(rng.integers(0, len(out) * 2))
        struct.pack_into("<Q", out, field, value)
        return bytes(out), f"header bytes {field}-{field + 7} set to {value}"
    offset, size = manifest_span(data)
    text = data[offset:offset + size].decode()
    if kind == "manifest-key":
        spans = [m.span(1) for m in re.finditer(r'"([a-z_]+)":', text)]
    elif kind == "manifest-digit":
        spans = [m.span() for m in re.finditer(r"\d", text)]
    else:
        spans = [m.span(1) for m in re.finditer(r': "([^"]+)"', text)]
    # The manifest's own checksum is rewritten below: edits of it are moot.
    digits_at = text.find('"manifest_checksum": "')
    spans = [s for s in spans if not digits_at <= s[0] < digits_at + 40]
    start, end = spans[int(rng.integers(len(spans)))]
    at = start + int(rng.integers(end - start))
    old = text[at]
    if old.isdigit():
        new = str((int(old) + int(rng.integers(1, 10))) % 10)
    else:
        new = chr(ord("a") + (ord(old) - ord("a") + int(rng.integers(1, 26))) % 26) if old.isalpha() else "x"
    out[offset + at:offset + at + 1] = new.encode()
    rehash_manifest(out)
    context = text[max(start - 20, 0):end + 5].replace("\n", " ")
    return bytes(out), f"manifest {old!r}->{new!r} at {at} in ...{context}... (rehashed)"


def run(xf_run: str, artifact: str, inputs: list[str], out_dir: str) -> tuple[int, str]:
    command = [xf_run, artifact, "--output-dir", out_dir]
    for spec in inputs:
        command += ["--input", spec]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return -999, "timed out after 60 s"
    return proc.returncode, proc.stderr.strip()


def outputs(directory: str) -> dict[str, np.ndarray]:
    return {name: np.load(os.path.join(directory, name)) for name in sorted(os.listdir(directory))}


def check(args_tuple):
    index, data, reference, xf_run, inputs, seed, workdir = args_tuple
    rng = np.random.default_rng([seed, index])
    kind = KINDS[index % len(KINDS)]
    mutated, description = mutate(data, kind, rng)
    path = os.path.join(workdir, f"m{index}.xfm")
    out_dir = os.path.join(workdir, f"o{index}")
    with open(path, "wb") as f:
        f.write(mutated)
    code, stderr = run(xf_run, path, inputs, out_dir)
    os.remove(path)
    if code == 0:
        got = outputs(out_dir)

        def equal(a, b):
            return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        if got.keys() == reference.keys() and all(equal(got[k], reference[k]) for k in got):
            status = "identical"
        elif len(got) == len(reference) and all(
                any(equal(g, r) for g in got.values()) for r in reference.values()):
            # A rehashed manifest that renames an output: the same values
            # under another name.
            status = "identical (renamed)"
        else:
            status = "FAIL: different outputs"
    elif code < 0:
        status = f"FAIL: crashed (signal {-code})" if code != -999 else "FAIL: hung"
    elif "error:" not in stderr:
        status = "FAIL: refused without a message"
    else:
        status = "refused"
    return index, kind, description, status, stderr.splitlines()[-1][:200] if stderr else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xf-run", required=True)
    parser.add_argument("--artifact", required=True)
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    with open(args.artifact, "rb") as f:
        data = f.read()
    with tempfile.TemporaryDirectory() as workdir:
        code, stderr = run(args.xf_run, args.artifact, args.input, os.path.join(workdir, "reference"))
        if code != 0:
            sys.exit(f"the original artifact does not run: {stderr}")
        reference = outputs(os.path.join(workdir, "reference"))
        jobs = [(i, data, reference, args.xf_run, args.input, args.seed, workdir) for i in range(args.count)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(check, jobs))
    totals: dict[str, int] = {}
    failed = 0
    for index, kind, description, status, message in results:
        key = f"{kind} {status.split(':')[0].split(' (')[0]}"
        totals[key] = totals.get(key, 0) + 1
        if status.startswith("FAIL"):
            failed += 1
            print(f"FAIL mutation {index} ({kind}: {description}): {status[6:]} {message}")
        elif args.verbose:
            print(f"ok   mutation {index} ({kind}: {description}): {status} {message}")
    for key in sorted(totals):
        print(f"  {key}: {totals[key]}")
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
