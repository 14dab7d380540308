#!/usr/bin/env python3
"""Runs every compiled zoo model on random input shapes and values, within
and beyond what the model allows, against onnxruntime.

    shape_fuzz.py --xfc build/bin/xfc (--zoo DIR | --exporter PYTHON)
                  [--cases N] [--seed S] [--models a,b] [--jobs N]

Each case is one of: a valid shape (batch and sequence within the
artifact's derived bounds), a sequence longer than the bound, inputs whose
shared dimensions disagree, a wrong rank, a wrong integer type, token ids
outside the vocabulary, an empty batch or sequence, and extreme values
(random masks with fully masked rows, huge or non-finite floats). Every
model runs in a process of its own, so that a crash is seen as one.

A case passes when
  - both run and agree (max |xfc - ort| <= 1e-4 * max |ort| over the
    values both have finite, the same infinities, non-finite values only
    where onnxruntime has them; finite values where onnxruntime overflowed
    are counted as 'overflow'), or
  - xfc refuses it with a message naming an input or a node (onnxruntime
    may refuse it or not: xfc also enforces the dimension names and bounds
    the model declares or implies; such cases are counted as 'stricter'), or
  - the input is empty and xfc's outputs are empty where onnxruntime
    refuses ('empty') or crashes (the case is then run again without it;
    an answer xfc gives that nothing can check is counted 'unchecked').
It fails on a crash, on a run that returns where onnxruntime refuses (an
answer for an input the model cannot compute), on disagreeing outputs, and
on a refusal without a message. Exit status 1 if any case fails; the last
line reads `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from run_zoo import RTOL, add_zoo_arguments, load_zoo, make_feeds  # noqa: E402

# A sequence bound for models the compiler derived none for: long enough to
# go past every position table of the zoo's small configurations.
DEFAULT_SEQUENCE_LIMIT = 300
CASE_KINDS = ["valid", "valid", "valid", "long", "disagree", "rank", "dtype",
              "vocabulary", "empty", "values"]


def sequence_dim(manifest):
    """The name and bound of the sequence dimension (the second of the
    first 2-D input), or (None, None)."""
    for spec in manifest["inputs"]:
        if len(spec["shape"]) >= 2 and spec["shape"][1] == -1:
            name = spec["dim_names"][1]
            return name, manifest.get("dim_bounds", {}).get(name)
    return None, None


def make_case(kind, record, manifest, rng):
    """(description, feeds) for one case of `kind`."""
    ranges = {t["name"]: t.get("value_range") for t in manifest["inputs"]}
    _, bound = sequence_dim(manifest)
    limit = bound or DEFAULT_SEQUENCE_LIMIT
    batch = int(rng.integers(1, 4))
    seq = int(rng.integers(1, min(limit, 96) + 1))
    token_model = any(k in ("ids", "hidden") for k in record["inputs"].values())
    if kind == "long" and token_model:
        seq = limit + int(rng.integers(1, 65))
    if kind == "empty":
        if rng.integers(2) == 0 or not token_model:
            batch = 0
        else:
            seq = 0
    feeds = make_feeds(record, batch, seq, rng, ranges)
    names = list(feeds)
    victim = names[int(rng.integers(len(names)))]
    description = f"{kind} batch {batch} seq {seq}"
    if kind == "disagree" and len(names) > 1:
        array = feeds[victim]
        axis = int(rng.integers(min(array.ndim, 2)))
        shape = list(array.shape)
        shape[axis] += int(rng.integers(1, 4))
        feeds[victim] = np.resize(array, shape)
        description += f", {victim} {tuple(shape)}"
    elif kind == "rank":
        feeds[victim] = feeds[victim][..., None]
        description += f", {victim} of rank {feeds[victim].ndim}"
    elif kind == "dtype":
        array = feeds[victim]
        feeds[victim] = array.astype(np.int32 if array.dtype != np.int32 else np.int64)
        description += f", {victim} as {feeds[victim].dtype}"
    elif kind == "vocabulary":
        ids = [n for n, k in record["inputs"].items() if k in ("ids", "type_ids")]
        if ids:
            victim = ids[int(rng.integers(len(ids)))]
            lo, hi = ranges.get(victim) or (0, 2)
            bad = hi + int(rng.integers(0, 1000)) if rng.integers(2) else lo - 1 - int(rng.integers(0, 1000))
            flat = feeds[victim].reshape(-1)
            if flat.size:
                flat[int(rng.integers(flat.size))] = bad
            description += f", {victim} holds {bad}"
    elif kind == "values":
        for name, kind_of in record["inputs"].items():
            array = feeds[name]
            if kind_of == "mask" and array.size:
                feeds[name] = rng.integers(0, 2, size=array.shape).astype(array.dtype)
                feeds[name][0] = 0  # A fully masked row.
            elif array.dtype.kind == "f" and array.size:
                scale = 10.0 ** int(rng.integers(-30, 30))
                feeds[name] = (array * scale).astype(array.dtype)
                if rng.integers(3) == 0:
                    feeds[name].reshape(-1)[0] = np.inf
        description += ", extreme values"
    return description, feeds


def compare(ours, reference):
    """(None or what differs, whether the reference overflowed where xfc
    stayed finite)."""
    overflowed = False
    for got, want in zip(ours, reference):
        if got.shape != want.shape:
            return f"shape {got.shape} != {want.shape}", overflowed
        if got.size == 0:
            continue
        # Extreme inputs overflow onnxruntime's unfused layer norms
        # (x * x is inf beyond 1.8e19), not the fused ones: finite where the
        # reference is not is the better answer, and not compared.
        if (np.isfinite(got) & ~np.isfinite(want)).any():
            overflowed = True
        if (~np.isfinite(got) & np.isfinite(want)).any():
            return "non-finite values where onnxruntime has finite ones", overflowed
        both = np.isfinite(got) & np.isfinite(want)
        infinite = np.isinf(got) & np.isinf(want)
        if not np.array_equal(got[infinite], want[infinite]):
            return "infinities of different signs", overflowed
        if not both.any():
            continue
        scale = max(float(np.abs(want[both]).max()), 1e-30)
        error = float(np.abs(got[both].astype(np.float64) - want[both]).max()) / scale
        if not error <= RTOL:
            return f"max relative error {error:.3g} > {RTOL:g}", overflowed
    return None, overflowed


def case_kind(index, rng):
    """The first cases cover every kind once; the rest are drawn."""
    if index < len(CASE_KINDS):
        return CASE_KINDS[index]
    return CASE_KINDS[int(rng.integers(len(CASE_KINDS)))]


def judge(feeds, ours, our_error, reference, ort_error):
    """(status, detail) of one case; statuses starting with 'fail' fail."""
    if our_error is not None:
        if not our_error.strip():
            return "fail: refused without a message", ""
        return ("refused" if ort_error else "stricter"), our_error
    if ort_error is not None:
        # onnxruntime refuses some empty inputs (a Reshape's -1 beside a 0)
        # that xfc computes, empty: not an answer to an input it cannot
        # compute.
        empty_input = any(0 in np.shape(a) for a in feeds.values())
        if empty_input and all(o.size == 0 for o in ours):
            return "empty", ort_error
        return "fail: ran where onnxruntime refuses", ort_error
    difference, overflowed = compare(ours, reference)
    if difference is not None:
        return f"fail: {difference}", ""
    return ("overflow", "onnxruntime overflowed") if overflowed else ("match", "")


def fuzz_model(record, zoo_dir, xfm, cases, seed, log_path, first):
    """Runs in a child process, cases `first` to `cases`; writes a JSON line
    per stage of each case to log_path (before xfc runs it, before
    onnxruntime does, and the outcome), so that a crash names the case and
    who crashed."""
    import onnxruntime as ort
    import xfrt

    model = xfrt.Model(xfm)
    manifest = json.loads(model.manifest)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    session = ort.InferenceSession(os.path.join(zoo_dir, record["file"]), options,
                                   providers=["CPUExecutionProvider"])
    with open(log_path, "a", buffering=1) as log:
        for index in range(first, cases):
            # Each case has a generator of its own, so that a restart after
            # a crash draws the same cases.
            rng = np.random.default_rng([seed, sum(map(ord, record["name"])), index])
            kind = case_kind(index, rng)
            description, feeds = make_case(kind, record, manifest, rng)
            # Integer inputs in the type the model declares (tf2onnx: int32),
            # unless the case is about the type.
            if kind != "dtype":
                for spec in session.get_inputs():
                    if spec.type == "tensor(int32)" and spec.name in feeds:
                        feeds[spec.name] = feeds[spec.name].astype(np.int32)
            log.write(json.dumps({"index": index, "case": description, "stage": "xfc"}) + "\n")
            try:
                ours, our_error = model.run(feeds), None
            except xfrt.XfError as error:
                ours, our_error = None, str(error)
            log.write(json.dumps({"index": index, "case": description, "stage": "onnxruntime",
                                  "ours_empty": our_error is None and all(o.size == 0 for o in ours),
                                  "our_error": our_error}) + "\n")
            try:
                reference, ort_error = session.run(None, feeds), None
            except Exception as error:  # noqa: BLE001 - any refusal
                reference, ort_error = None, str(error).splitlines()[0][:200]
            status, detail = judge(feeds, ours, our_error, reference, ort_error)
            log.write(json.dumps({"index": index, "case": description, "status": status,
                                  "detail": detail[:300]}) + "\n")


def fuzz_one(args_tuple):
    record, zoo_dir, xfc, workdir, cases, seed = args_tuple
    name = record["name"]
    xfm = os.path.join(workdir, name + ".xfm")
    proc = subprocess.run([xfc, os.path.join(zoo_dir, record["file"]), "-o", xfm],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return name, [{"case": "compile", "status": "fail: does not compile",
                       "detail": proc.stderr[-300:]}]
    log_path = os.path.join(workdir, name + ".log")
    results, first = [], 0
    while first < cases:
        open(log_path, "w").close()
        child = multiprocessing.get_context("spawn").Process(
            target=fuzz_model, args=(record, zoo_dir, xfm, cases, seed, log_path, first))
        child.start()
        child.join()
        pending = None
        with open(log_path) as f:
            for line in f:
                entry = json.loads(line)
                if "status" in entry:
                    results.append(entry)
                    pending = None
                else:
                    pending = entry
        if child.exitcode == 0:
            break
        if pending is None:
            results.append({"case": "loading", "status": f"fail: crashed (exit {child.exitcode})",
                            "detail": ""})
            break
        if pending["stage"] == "xfc":
            results.append({"case": pending["case"],
                            "status": f"fail: crashed (exit {child.exitcode})", "detail": ""})
        else:
            # onnxruntime crashed (it divides by zero on some empty inputs):
            # nothing to compare with, but xfc must have refused or
            # answered empty.
            status = ("refused" if pending["our_error"] else
                      "empty" if pending["ours_empty"] else "unchecked")
            results.append({"case": pending["case"], "status": status,
                            "detail": f"onnxruntime crashed (exit {child.exitcode})"})
        first = pending["index"] + 1
    return name, results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_zoo_arguments(parser)
    parser.add_argument("--cases", type=int, default=20, help="cases per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args()
    _, records = load_zoo(args, parser)
    with tempfile.TemporaryDirectory() as workdir:
        jobs = [(r, args.zoo, args.xfc, workdir, args.cases, args.seed) for r in records]
        # Threads, each waiting on the process that runs one model.
        with concurrent.futures.ThreadPoolExecutor(max(args.jobs, 1)) as pool:
            outcomes = list(pool.map(fuzz_one, jobs))
    passed = failed = 0
    totals = {}
    for name, results in outcomes:
        for entry in results:
            status = entry["status"]
            key = "fail" if status.startswith("fail") else status
            totals[key] = totals.get(key, 0) + 1
            if key == "fail":
                failed += 1
                print(f"FAIL {name}: {entry['case']}: {status[6:]} {entry['detail']}")
            else:
                passed += 1
                if args.verbose:
                    print(f"ok   {name}: {entry['case']}: {status} {entry['detail'][:160]}")
    print("shape fuzz: " + ", ".join(f"{v} {k}" for k, v in sorted(totals.items())) +
          f" over {len(records)} models (seed {args.seed})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
