#!/usr/bin/env python3
"""What graph optimization buys: each model compiled at -O0 (no graph
optimization) and -O2 (every fusion), timed side by side in one run, with
onnxruntime as the peer.

    .venv/bin/python bench/fusion_benchmark.py [--threads 1,2] [--iters 20] \
        [--markdown docs/benchmarks-fusion.md]

Models: the BERT-like (MiniLM-shaped) and GPT-2-like fixtures and the
Llama-style one at batch 1, sequence 128, and single fused ops in isolation
(attention with a padding mask at 128 and 512 tokens, causal attention at
512, layer norm, a linear layer with GELU), each as a small ONNX graph in
exporter form. Every configuration runs in a fresh process, so that its peak
resident memory (ru_maxrss) is its own: the weights (memory-mapped) plus the
intermediate tensors.

Benchmarks are not tests: this script asserts nothing but that outputs of
-O0 and -O2 agree with onnxruntime to 1e-4 relative, so that a fast wrong
answer is never reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts", "fixtures"))


# -- single-op models ------------------------------------------------------------------------
def _attention_model(seq: int, hidden: int, heads: int, causal: bool):
    """One attention block between the projections, as torch.onnx writes it (static shapes)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    head_dim = hidden // heads
    nodes, inits = [], []

    def const(name, value, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    split = const("split", [1, seq, heads, head_dim])
    merge = const("merge", [1, seq, hidden])
    nodes += [
        helper.make_node("Reshape", ["q", split], ["q4"]),
        helper.make_node("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["k", split], ["k4"]),
        helper.make_node("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["v", split], ["v4"]),
        helper.make_node("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3]),
        helper.make_node("MatMul", ["qh", "kt"], ["s"]),
        helper.make_node("Div", ["s", const("sqrt_d", np.sqrt(head_dim), np.float32)], ["s1"]),
    ]
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, seq, hidden]) for n in "qkv"]
    if causal:
        tril = np.tril(np.ones((seq, seq), np.bool_))[None, None]
        nodes.append(helper.make_node(
            "Where", [const("causal", tril, np.bool_), "s1", const("lowest", -3.4028234663852886e38, np.float32)],
            ["s2"]))
    else:
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, 1, seq]))
        nodes.append(helper.make_node("Add", ["s1", "mask"], ["s2"]))
    nodes += [
        helper.make_node("Softmax", ["s2"], ["p"], axis=-1),
        helper.make_node("MatMul", ["p", "vh"], ["o"]),
        helper.make_node("Transpose", ["o"], ["o1"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["o1", merge], ["out"]),
    ]
    graph = helper.make_graph(nodes, "attention", inputs,
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, seq, hidden])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)


def _layer_norm_model(seq: int, hidden: int):
    import gen_models
    from onnx import TensorProto

    g = gen_models.GraphBuilder(14, seed=0)
    x = g.add_input("x", TensorProto.FLOAT, [1, seq, hidden])
    y = gen_models.layer_norm(g, x, "norm", hidden, 1e-12)
    g.add_output(y, "y", TensorProto.FLOAT, [1, seq, hidden])
    return g.build("layer_norm", "decomposed LayerNorm")


def _linear_gelu_model(seq: int, d_in: int, d_out: int):
    import gen_models
    from onnx import TensorProto

    g = gen_models.GraphBuilder(14, seed=0)
    x = g.add_input("x", TensorProto.FLOAT, [1, seq, d_in])
    y = gen_models.gelu_erf(g, gen_models.linear(g, x, "dense", d_in, d_out), "act")
    g.add_output(y, "y", TensorProto.FLOAT, [1, seq, d_out])
    return g.build("linear_gelu", "Linear + erf GELU")


def write_models(out: str) -> list[tuple[str, str, list[int]]]:
    """Writes every benchmarked model; returns (label, path, [batch, seq])."""
    import onnx

    import gen_models

    models = []
    for key, filename, label in [("bert", "bert_like.onnx", "BERT-like (MiniLM shape)"),
                                 ("gpt2", "gpt2_like.onnx", "GPT-2-like prefill"),
                                 ("llama", "llama_like.onnx", "Llama-style prefill")]:
        path = os.path.join(out, filename)
        if not os.path.exists(path):
            for fixture in gen_models.MODELS[key][1](0):
                gen_models.save(fixture.model, os.path.join(out, fixture.filename), external_data=False)
        models.append((label, path, [1, 128]))
    singles = [
        ("attention, padding mask, 128 tokens", "attention128.onnx", _attention_model(128, 384, 12, False)),
        ("attention, padding mask, 512 tokens", "attention512.onnx", _attention_model(512, 384, 12, False)),
        ("attention, causal, 512 tokens", "attention512c.onnx", _attention_model(512, 384, 12, True)),
        ("layer norm 128 x 384", "layer_norm.onnx", _layer_norm_model(128, 384)),
        ("linear + GELU 128 x 384 x 1536", "linear_gelu.onnx", _linear_gelu_model(128, 384, 1536)),
    ]
    for label, filename, model in singles:
        path = os.path.join(out, filename)
        onnx.save(model, path)
        models.append((label, path, [1, 128]))
    return models


# -- measuring -------------------------------------------------------------------------------
def make_feeds(onnx_path: str, shape: list[int], seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs: token ids below 1000 (every fixture's vocabulary is at least that),
    masks with a padded tail, floats from N(0, 1); static dimensions are kept."""
    import onnx

    rng = np.random.default_rng(seed)
    feeds = {}
    for value in onnx.load(onnx_path, load_external_data=False).graph.input:
        tensor = value.type.tensor_type
        dims = [d.dim_value if d.dim_value > 0 else shape[i] for i, d in enumerate(tensor.shape.dim)]
        if tensor.elem_type == onnx.TensorProto.INT64:
            if "mask" in value.name:
                array = np.ones(dims, np.int64)
                array[:, dims[1] * 7 // 8:] = 0
            else:
                array = rng.integers(0, 1000 if "input_ids" in value.name else 2, size=dims).astype(np.int64)
        elif "mask" in value.name:
            array = np.zeros(dims, np.float32)
            array[..., dims[-1] * 7 // 8:] = -3.4028234663852886e38
        else:
            array = rng.standard_normal(dims).astype(np.float32)
        feeds[value.name] = array
    return feeds


def worker(args) -> None:
    """Runs one configuration in this process and prints one JSON line."""
    args.threads = int(args.threads)
    feeds = make_feeds(args.onnx, [int(d) for d in args.shape.split("x")])
    if args.engine == "ort":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
        run = lambda: session.run(None, feeds)  # noqa: E731
    else:
        import xfrt

        model = xfrt.Model(args.xfm)
        model.set_num_threads(args.threads)
        run = lambda: model.run(feeds)  # noqa: E731
    loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outputs = run()
    for _ in range(args.warmup):
        run()
    times = []
    for _ in range(args.iters):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    if args.reference:
        np.save(args.reference, outputs[0])
    print(json.dumps({
        "min_ms": times[0],
        "median_ms": statistics.median(times),
        "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "loaded_rss_mb": loaded_mb,
    }))


def measure(engine: str, onnx_path: str, xfm: str | None, shape: list[int], threads: int,
            iters: int, warmup: int, reference: str | None = None) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--engine", engine, "--onnx", onnx_path,
               "--shape", "x".join(map(str, shape)), "--threads", str(threads), "--iters", str(iters),
               "--warmup", str(warmup)]
    if xfm:
        command += ["--xfm", xfm]
    if reference:
        command += ["--reference", reference]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{engine} on {onnx_path} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        flags = ", ".join(f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16") if f" {f}" in text)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} vCPUs ({flags}), Linux {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--xfc", default=os.path.join(ROOT, "build", "bin", "xfc"))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--only", help="comma-separated substrings of model labels to run")
    # Worker mode (one configuration, in its own process).
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", choices=["xfc", "ort"], help=argparse.SUPPRESS)
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    parser.add_argument("--xfm", help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0

    os.makedirs(args.out, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for label, path, shape in write_models(args.out):
        if args.only and not any(s in label for s in args.only.split(",")):
            continue
        artifacts = {}
        for level in (0, 2):
            xfm = os.path.join(args.out, f"{os.path.basename(path)[:-5]}-O{level}.xfm")
            start = time.perf_counter()
            subprocess.run([args.xfc, path, "-o", xfm, f"-O{level}"], check=True)
            artifacts[level] = (xfm, time.perf_counter() - start)
        for n in threads:
            ref_path = os.path.join(args.out, "reference.npy")
            ort_result = measure("ort", path, None, shape, n, args.iters, args.warmup, ref_path)
            reference = np.load(ref_path)
            results = {}
            for level, (xfm, _) in artifacts.items():
                out_path = os.path.join(args.out, f"out-O{level}.npy")
                results[level] = measure("xfc", path, xfm, shape, n, args.iters, args.warmup, out_path)
                error = np.abs(np.load(out_path).astype(np.float64) - reference).max()
                if error > 1e-4 * max(np.abs(reference).max(), 1e-30):
                    raise RuntimeError(f"{label} at -O{level}: max|err| {error:.3g} against onnxruntime")
            rows.append((label, n, results[0], results[2], ort_result))
            o0, o2 = results[0], results[2]
            print(f"{label:40s} {n} thr  -O0 {o0['median_ms']:9.2f} ms {o0['peak_rss_mb']:7.1f} MB  "
                  f"-O2 {o2['median_ms']:9.2f} ms {o2['peak_rss_mb']:7.1f} MB  "
                  f"O2/O0 {o2['median_ms'] / o0['median_ms']:5.2f}  ORT {ort_result['median_ms']:8.2f} ms",
                  flush=True)

    lines = [
        f"Machine: {machine()}. Median of {args.iters} runs after {args.warmup} warm-up runs; "
        "peak RSS of the whole process (Python, the runtime, the memory-mapped weights and every intermediate).",
        "",
        "| model | threads | -O0 ms | -O2 ms | -O2 / -O0 | -O0 peak MB | -O2 peak MB | onnxruntime ms | -O2 / onnxruntime |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, n, o0, o2, peer in rows:
        lines.append(
            f"| {label} | {n} | {o0['median_ms']:.2f} | {o2['median_ms']:.2f} | "
            f"{o2['median_ms'] / o0['median_ms']:.2f} | {o0['peak_rss_mb']:.0f} | {o2['peak_rss_mb']:.0f} | "
            f"{peer['median_ms']:.2f} | {o2['median_ms'] / peer['median_ms']:.1f} |")
    table = "\n".join(lines)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
