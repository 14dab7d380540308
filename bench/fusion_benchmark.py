#!/usr/bin/env python3
"""What graph optimization buys: each model compiled at -O0 (no graph
optimization) and -O2 (every fusion), timed side by side in one run, with
onnxruntime as the peer.

    .venv/bin/python bench/fusion_benchmark.py [--threads 1,2] [--iters 20] \
        [--markdown docs/benchmarks-fusion.md]

Models: the BERT-like (MiniLM-shaped) and GPT-2-like fixtures and the
Llama-style one at batch 1, sequence 128, and single fused ops in isolation
(attention with a padding mask at 128 and 512 tokens, causal attention at
512, layer norm, a linear layer with GELU, RMS norm, a SwiGLU MLP), each as
a small ONNX graph in exporter form. Every configuration runs in a fresh process, so that its peak
resident memory (ru_maxrss) is its own: the weights (memory-mapped) plus the
intermediate tensors. Each artifact and onnxruntime are measured in
`--rounds` rounds (the order rotating) with enough runs to last
`--min-seconds`; the table gives each one's best median.

Benchmarks are not tests: this script asserts nothing but that outputs of
-O0 and -O2 agree with onnxruntime to 1e-4 relative, so that a fast wrong
answer is never reported.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from benchlib import ROOT, iterations_for, machine, measure, report


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


def _rms_norm_model(seq: int, hidden: int):
    import gen_models
    from onnx import TensorProto

    g = gen_models.GraphBuilder(14, seed=0)
    x = g.add_input("x", TensorProto.FLOAT, [1, seq, hidden])
    y = gen_models.rms_norm(g, x, "norm", hidden, 1e-6)
    g.add_output(y, "y", TensorProto.FLOAT, [1, seq, hidden])
    return g.build("rms_norm", "Llama's RMSNorm")


def _swiglu_model(seq: int, hidden: int, ffn: int):
    import gen_models
    from onnx import TensorProto

    g = gen_models.GraphBuilder(14, seed=0)
    x = g.add_input("x", TensorProto.FLOAT, [1, seq, hidden])
    gate = gen_models.linear_no_bias(g, x, "gate", hidden, ffn)
    up = gen_models.linear_no_bias(g, x, "up", hidden, ffn)
    gate = g.op("Mul", [gate, g.op("Sigmoid", [gate])])
    y = gen_models.linear_no_bias(g, g.op("Mul", [gate, up]), "down", ffn, hidden)
    g.add_output(y, "y", TensorProto.FLOAT, [1, seq, hidden])
    return g.build("swiglu", "Llama's SwiGLU MLP")


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
        ("RMS norm 128 x 512", "rms_norm.onnx", _rms_norm_model(128, 512)),
        ("SwiGLU MLP 128 x 512 x 1408", "swiglu.onnx", _swiglu_model(128, 512, 1408)),
    ]
    for label, filename, model in singles:
        path = os.path.join(out, filename)
        onnx.save(model, path)
        models.append((label, path, [1, 128]))
    return models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--xfc", default=os.path.join(ROOT, "build", "bin", "xfc"))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each artifact per configuration")
    parser.add_argument("--min-seconds", type=float, default=0.3,
                        help="at least this long per measurement (more runs for small models)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--only", help="labels to run: substrings separated by ';'")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for label, path, shape in write_models(args.out):
        if args.only and not any(s in label for s in args.only.split(";")):
            continue
        artifacts = {}
        for level in (0, 2):
            xfm = os.path.join(args.out, f"{os.path.basename(path)[:-5]}-O{level}.xfm")
            start = time.perf_counter()
            subprocess.run([args.xfc, path, "-o", xfm, f"-O{level}"], check=True)
            artifacts[level] = (xfm, time.perf_counter() - start)
        for n in threads:
            # Enough runs to last --min-seconds, from a quick run of the slowest artifact.
            estimate = measure("xfc", path, artifacts[0][0], shape, n, 3, 1)["median_ms"]
            iters = iterations_for(estimate, args.iters, args.min_seconds)
            warmup = max(args.warmup, iters // 10)
            ref_path = os.path.join(args.out, "reference.npy")
            engines = ["ort", 0, 2]
            runs: dict = {engine: [] for engine in engines}
            for r in range(args.rounds):
                # Each engine in a fresh process per round, the order rotating.
                for engine in engines[r % 3:] + engines[:r % 3]:
                    if engine == "ort":
                        runs[engine].append(measure("ort", path, None, shape, n, iters, warmup,
                                                    ref_path if r == 0 else None))
                    else:
                        out_path = os.path.join(args.out, f"out-O{engine}.npy") if r == 0 else None
                        runs[engine].append(measure("xfc", path, artifacts[engine][0], shape, n, iters, warmup,
                                                    out_path))
                if r == 0:
                    reference = np.load(ref_path)
                    for level in (0, 2):
                        error = np.abs(np.load(os.path.join(args.out, f"out-O{level}.npy")).astype(np.float64)
                                       - reference).max()
                        if error > 1e-4 * max(np.abs(reference).max(), 1e-30):
                            raise RuntimeError(f"{label} at -O{level}: max|err| {error:.3g} against onnxruntime")
            o0, o2, ort_result = (min(runs[e], key=lambda m: m["median_ms"]) for e in (0, 2, "ort"))
            rows.append((label, n, iters, o0, o2, ort_result))
            print(f"{label:40s} {n} thr {iters:5d} runs  -O0 {o0['median_ms']:9.2f} ms {o0['peak_rss_mb']:7.1f} MB  "
                  f"-O2 {o2['median_ms']:9.2f} ms {o2['peak_rss_mb']:7.1f} MB  "
                  f"O2/O0 {o2['median_ms'] / o0['median_ms']:5.2f}  ORT {ort_result['median_ms']:8.2f} ms",
                  flush=True)

    lines = [
        f"Machine: {machine()}. Best median of {args.rounds} rounds per artifact (fresh processes, order "
        "rotating), each over the runs given after a tenth as many warm-up runs; peak RSS of the whole process "
        "(Python, the runtime, the memory-mapped weights and every intermediate).",
        "",
        "| model | threads | runs | -O0 ms | -O2 ms | -O2 / -O0 | -O0 peak MB | -O2 peak MB | onnxruntime ms | "
        "-O2 / onnxruntime |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, n, iters, o0, o2, peer in rows:
        lines.append(
            f"| {label} | {n} | {iters} | {o0['median_ms']:.2f} | {o2['median_ms']:.2f} | "
            f"{o2['median_ms'] / o0['median_ms']:.2f} | {o0['peak_rss_mb']:.0f} | {o2['peak_rss_mb']:.0f} | "
            f"{peer['median_ms']:.2f} | {o2['median_ms'] / peer['median_ms']:.2f} |")
    report(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
