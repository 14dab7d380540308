#!/usr/bin/env python3
"""Compiles every model of the zoo with dynamic shapes, runs it at several
shapes (one of them a padded batch) against onnxruntime, and counts what
graph optimization fused against what the model contains.

    run_zoo.py --xfc build/bin/xfc (--zoo DIR | --exporter PYTHON [--cache DIR])
               [--expect FILE] [--report docs/zoo.md] [--jobs N] [--models a,b]

--zoo DIR reads what `export_zoo.py` wrote (zoo.json and the models).
--exporter PYTHON runs `export_zoo.py` with that interpreter (the exporter
venv's) into a cache folder named after the exporter script's hash, unless
that folder is already complete; --cache sets where (default
~/.cache/xfc/zoo), so models are made once per version of the script and
never stored in git. Each model ends
in one status, the first stage it fails at:

    export    the exporter failed (listed in zoo.json)
    compile   xfc refused or failed to compile it
    run       the runtime failed on a valid input
    numerics  an output differs from onnxruntime by more than the tolerance
    fusion    it matches, but an attention or a norm it contains was not fused
    pass      compiled, matched at every shape, every attention and norm fused

The tolerance is max |xfc - ort| <= 1e-4 * max |ort| per output (fp32).
With --expect, FILE lists the models that are known not to pass yet, one per
line as `NAME STATUS reason...`; every other model must pass. The exit
status is 1 when any model's status differs from its expectation, in either
direction (a model that starts to pass must leave the list), so the list can
only shrink on purpose. It ends with a line `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RTOL = 1e-4
# Token models run at these [batch, sequence] shapes: a single short
# sequence, a padded batch of odd length, and a longer one.
TOKEN_SHAPES = [(1, 8), (2, 17), (3, 32)]
BATCHES = [1, 2]


def make_feeds(record, batch, seq, rng, ranges):
    feeds = {}
    for name, kind in record["inputs"].items():
        if kind == "ids":
            lo, hi = ranges.get(name) or (0, 2)
            feeds[name] = rng.integers(max(lo, 0), hi, size=(batch, seq)).astype(np.int64)
        elif kind == "mask":
            mask = np.ones((batch, seq), dtype=np.int64)
            # Every row past the first ends in padding of its own length.
            for row in range(1, batch):
                mask[row, seq - rng.integers(1, max(seq // 2, 2)):] = 0
            feeds[name] = mask
        elif kind == "type_ids":
            feeds[name] = rng.integers(0, 2, size=(batch, seq)).astype(np.int64)
        else:
            shape = [batch if d == -1 else seq if d == -2 else d for d in record["static"][name]]
            feeds[name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def count_fusions(ir: str, record) -> dict:
    def count(pattern):
        return len(re.findall(pattern, ir))

    activation = record["contains"]["activation"]
    act_names = {"gelu": r'(xf\.gelu [^\n]*(?<!approximate = "tanh"\}) :|activation = "gelu")',
                 "gelu_tanh": r'(approximate = "tanh"|activation = "gelu_tanh")',
                 "quick_gelu": r'activation = "quick_gelu"',
                 "silu": r'(xf\.silu|activation = "silu")',
                 "relu": r'(xf\.relu|activation = "relu")'}[activation]
    return {
        "attention": count(r"= xf\.attention "),
        "norms": count(r"= xf\.(layer_norm|skip_layer_norm|rms_norm) "),
        "activation": count(act_names),
        "linear": count(r"= xf\.linear "),
        "matmul": count(r"= xf\.matmul "),
    }


def check_model(args_tuple):
    record, zoo_dir, xfc, workdir = args_tuple
    import onnxruntime as ort
    import xfrt

    name = record["name"]
    path = os.path.join(zoo_dir, record["file"])
    result = {"name": name, "status": "pass", "detail": "", "max_rel_error": None, "fused": None}
    start = time.time()
    xfm = os.path.join(workdir, name + ".xfm")
    proc = subprocess.run([xfc, path, "-o", xfm], capture_output=True, text=True)
    if proc.returncode != 0:
        message = proc.stderr.replace(path + ":0:0: ", "").replace("'" + path + "': ", "")
        message = message.strip().splitlines() or ["(no message)"]
        result.update(status="compile", detail=" / ".join(message[:3])[:400])
        return result
    result["compile_s"] = round(time.time() - start, 2)
    proc = subprocess.run([xfc, path, "--emit=xf"], capture_output=True, text=True)
    fused = count_fusions(proc.stdout, record)
    result["fused"] = fused

    model = xfrt.Model(xfm)
    manifest = json.loads(model.manifest)
    ranges = {t["name"]: t.get("value_range") for t in manifest["inputs"]}
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    token_model = any(kind in ("ids", "hidden") for kind in record["inputs"].values())
    shapes = TOKEN_SHAPES if token_model else [(b, 0) for b in BATCHES]
    worst = 0.0
    for batch, seq in shapes:
        feeds = make_feeds(record, batch, seq, rng, ranges)
        # Integer inputs in the type the model declares (tf2onnx: int32).
        for spec in session.get_inputs():
            if spec.type == "tensor(int32)" and spec.name in feeds:
                feeds[spec.name] = feeds[spec.name].astype(np.int32)
        try:
            ours = model.run(feeds)
        except Exception as error:  # noqa: BLE001 - reported as the status
            result.update(status="run", detail=f"{batch}x{seq}: {error}"[:400])
            return result
        reference = session.run(None, feeds)
        for got, want in zip(ours, reference):
            if got.shape != want.shape:
                result.update(status="numerics", detail=f"{batch}x{seq}: shape {got.shape} != {want.shape}")
                return result
            scale = max(float(np.abs(want).max()), 1e-30)
            error = float(np.abs(got.astype(np.float64) - want).max()) / scale
            if not np.isfinite(error):
                error = float("inf")
            worst = max(worst, error)
    result["max_rel_error"] = worst
    if worst > RTOL:
        result.update(status="numerics", detail=f"max relative error {worst:.3g} > {RTOL:g}")
        return result
    contains = record["contains"]
    misses = []
    if fused["attention"] != contains["attention"]:
        misses.append(f"attention {fused['attention']}/{contains['attention']}")
    if fused["norms"] != contains["norms"]:
        misses.append(f"norms {fused['norms']}/{contains['norms']}")
    if misses:
        result.update(status="fusion", detail=", ".join(misses))
    return result


def read_expectations(path):
    expected = {}
    if not path:
        return expected
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 2)
            expected[parts[0]] = parts[1]
    return expected


def write_expectations(path, index, results):
    lines = ["# Zoo models that do not pass yet: NAME STATUS reason (scripts/zoo/run_zoo.py).",
             "# Every model not listed must pass; regenerate with run_zoo.py --update-expect."]
    for name in index.get("failed", []):
        lines.append(f"{name} export")
    for result in results:
        if result["status"] != "pass":
            lines.append(f"{result['name']} {result['status']} {result['detail'][:160]}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_report(path, index, results, command, script):
    what = ("Hugging Face `transformers` architectures and `torch.nn` transformer stacks"
            if script == "export_zoo.py" else "Keras models (a BERT-style encoder of Keras layers)")
    other = ("The Keras models converted by tf2onnx are in `docs/zoo-tf.md`."
             if script == "export_zoo.py" else "The torch.onnx exports are in `docs/zoo.md`.")
    lines = [
        "# Model zoo" + ("" if script == "export_zoo.py" else ": Keras through tf2onnx"),
        "",
        f"Real exports of real model code: {what}",
        "built from small configs (2 layers, hidden 64, 4 heads,",
        "FFN 128, vocabulary 1000) with seeded random weights, exported by "
        f"{index['exporter']} with dynamic batch and sequence axes",
        f"(`scripts/zoo/{script}`). Each is compiled once with its dynamic shapes and run",
        "at batch x sequence 1x8, 2x17 and 3x32 (vision and audio: batch 1 and 2), every row",
        "after the first padded by the attention mask, against onnxruntime on the same inputs;",
        f"the error is max |xfc - ort| / max |ort| over every output and shape (tolerance {RTOL:g}).",
        "Fused counts are ops after graph optimization (`xfc --emit=xf`) against what the",
        "model contains: attention layers, norms, and the FFN activation (fused as `xf.gelu`",
        "or into a linear layer's epilogue).",
        "",
        f"Regenerate with `{command}`. {other}",
        "",
        "| model | class | status | max error | attention | norms | activation | linear / matmul | notes |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    by_name = {r["name"]: r for r in index["models"]}
    for result in results:
        record = by_name[result["name"]]
        fused = result["fused"] or {}
        contains = record["contains"]
        err = "" if result["max_rel_error"] is None else f"{result['max_rel_error']:.1e}"
        status = result["status"]
        if result["detail"]:
            status += ": " + result["detail"].replace("|", "\\|")
        def frac(key):
            return f"{fused[key]}/{contains[key]}" if fused else ""
        act = f"{fused['activation']} {contains['activation']}" if fused else contains["activation"]
        lin = f"{fused['linear']} / {fused['matmul']}" if fused else ""
        lines.append(f"| {result['name']} | {record['model_class']} | {status} | {err} | {frac('attention')} | "
                     f"{frac('norms')} | {act} | {lin} | {record['notes']} |")
    for name in index.get("failed", []):
        lines.append(f"| {name} | | export failed | | | | | | |")
    passed = sum(r["status"] == "pass" for r in results)
    lines += ["", f"{passed} of {len(results) + len(index.get('failed', []))} models pass."]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def export_zoo(python, cache, script_name="export_zoo.py"):
    """The cached zoo folder for this version of the export script, exporting
    it first when it is missing."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), script_name)
    with open(script, "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()[:16]
    zoo_dir = os.path.join(cache, key)
    if os.path.exists(os.path.join(zoo_dir, "zoo.json")):
        return zoo_dir
    os.makedirs(cache, exist_ok=True)
    partial = tempfile.mkdtemp(prefix=key + ".", dir=cache)
    start = time.time()
    proc = subprocess.run([python, script, "--out", partial], capture_output=True, text=True)
    sys.stdout.write("".join(line + "\n" for line in proc.stdout.splitlines() if line.startswith("exported")))
    if not os.path.exists(os.path.join(partial, "zoo.json")):
        sys.exit(f"run_zoo: the export failed:\n{proc.stderr[-4000:]}")
    if proc.returncode != 0:
        # Failed models are in zoo.json's "failed" list and checked against
        # the expectations like any other status.
        print(proc.stderr[-4000:], file=sys.stderr)
    print(f"exported the zoo into {zoo_dir} in {time.time() - start:.0f} s")
    os.rename(partial, zoo_dir)
    return zoo_dir


def add_zoo_arguments(parser):
    """The options that say which zoo to run: --zoo DIR, or --exporter with
    --export-script and --cache; and --models, --xfc, --jobs."""
    parser.add_argument("--zoo")
    parser.add_argument("--exporter")
    parser.add_argument("--export-script", default="export_zoo.py",
                        help="the exporter's script in scripts/zoo (export_tf_zoo.py for tf2onnx)")
    parser.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "xfc", "zoo"))
    parser.add_argument("--xfc", required=True)
    parser.add_argument("--models", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)


def load_zoo(args, parser):
    """(the zoo's index, the records --models selects), exporting the zoo
    first when --exporter names one that is not cached yet."""
    if bool(args.zoo) == bool(args.exporter):
        parser.error("give one of --zoo and --exporter")
    if args.exporter:
        args.zoo = export_zoo(args.exporter, args.cache, args.export_script)
    with open(os.path.join(args.zoo, "zoo.json")) as f:
        index = json.load(f)
    wanted = [m for m in args.models.split(",") if m]
    records = [r for r in index["models"] if not wanted or r["name"] in wanted or r["architecture"] in wanted]
    return index, records


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_zoo_arguments(parser)
    parser.add_argument("--expect")
    parser.add_argument("--report")
    parser.add_argument("--update-expect", action="store_true",
                        help="rewrite --expect from this run's statuses instead of checking them")
    args = parser.parse_args()

    if args.update_expect and (args.models or not args.expect):
        parser.error("--update-expect rewrites --expect from a run of the whole zoo (no --models)")
    index, records = load_zoo(args, parser)
    wanted = [m for m in args.models.split(",") if m]
    expected = read_expectations(args.expect)
    with tempfile.TemporaryDirectory() as workdir:
        jobs = [(r, args.zoo, args.xfc, workdir) for r in records]
        with multiprocessing.Pool(max(args.jobs, 1)) as pool:
            results = pool.map(check_model, jobs, chunksize=1)
    if args.update_expect:
        write_expectations(args.expect, index, results)
        expected = read_expectations(args.expect)
    unexpected = 0
    for name in index.get("failed", []):
        want = expected.get(name, "pass")
        ok = want == "export"
        unexpected += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:<22} export (expected {want})")
    for result in results:
        want = expected.get(result["name"], "pass")
        ok = want == result["status"]
        unexpected += not ok
        err = "" if result["max_rel_error"] is None else f" err {result['max_rel_error']:.1e}"
        fused = result["fused"] or {}
        summary = " ".join(f"{k} {v}" for k, v in fused.items())
        line = f"{'ok  ' if ok else 'FAIL'} {result['name']:<22} {result['status']}{err} {summary}"
        if result["status"] != "pass":
            line += f" ({result['detail']})"
        if not ok:
            line += f" [expected {want}]"
        print(line, flush=True)
    known = [n for n in expected if n not in {r["name"] for r in results} and n not in index.get("failed", [])]
    if known and not wanted:
        print(f"FAIL the expectations name models the zoo lacks: {', '.join(known)}")
        unexpected += len(known)
    if args.report:
        command = (f"scripts/zoo/run_zoo.py --xfc build/bin/xfc --exporter "
                   f"{os.path.relpath(args.exporter or '.venv-export/bin/python', ROOT)} "
                   + (f"--export-script {args.export_script} " if args.export_script != "export_zoo.py" else "")
                   + f"--expect {os.path.relpath(args.expect, ROOT)} --report {os.path.relpath(args.report, ROOT)}")
        write_report(args.report, index, results, command, args.export_script)
    total = len(results) + len(index.get("failed", []))
    print(f"zoo: {sum(r['status'] == 'pass' for r in results)} of {total} models pass every check")
    print(f"{total - unexpected} passed, {unexpected} failed")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
