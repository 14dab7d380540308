#!/usr/bin/env python3
"""xfc against onnxruntime on transformer inference, side by side in one run.

    .venv/bin/python bench/compare_ort.py [--threads 1,2] [--iters 20] \
        [--markdown docs/benchmarks-ort.md]

Each model is compiled with xfc (-O2, dynamic batch and sequence) and timed
with `xf-bench --json`, and run by onnxruntime with every graph optimization
on (ORT_ENABLE_ALL, which fuses attention, layer norms and GELUs into its own
contrib ops) at the same thread count, each configuration in a fresh
process. Models: the BERT-like fixture (MiniLM shape) at sequence 128, batch
1 and 8; the GPT-2-like fixture's 128-token prefill; torch.onnx exports of
Hugging Face's BertModel (MiniLM shape) and LlamaForCausalLM (4 layers,
hidden 768, 12 heads, 4 KV heads) at batch 1, sequence 128; the real
all-MiniLM-L6-v2 (sequence 128, batch 1) when its weights are installed
(requirements-models.txt), otherwise reported as not run. The ratio is
xfc's median over onnxruntime's: below 1 is faster.

Each configuration is measured in `--rounds` rounds (each engine in a fresh
process per round, the order alternating); the table gives each engine's
best median over the rounds and the range of the rounds' own ratios.
Small models run enough iterations to last `--min-seconds` per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from benchlib import ROOT, iterations_for, machine, measure, paired_rounds, report, summarize_rounds


def models(out: str) -> list[tuple[str, str, list[int]]]:
    import gen_models

    found = []
    for key, filename in [("bert", "bert_like.onnx"), ("gpt2", "gpt2_like.onnx")]:
        path = os.path.join(out, filename)
        if not os.path.exists(path):
            for fixture in gen_models.MODELS[key][1](0):
                gen_models.save(fixture.model, os.path.join(out, fixture.filename), external_data=False)
    bert = os.path.join(out, "bert_like.onnx")
    found += [("BERT-like, batch 1, seq 128", bert, [1, 128]),
              ("BERT-like, batch 8, seq 128", bert, [8, 128]),
              ("GPT-2-like prefill, seq 128", os.path.join(out, "gpt2_like.onnx"), [1, 128])]
    # Real exports: torch.onnx of Hugging Face model code, dynamic axes
    # (scripts/zoo/export_zoo.py --bench, in the exporter venv).
    real = [("bench-bert-minilm-op14.onnx", "HF BertModel export (MiniLM shape), batch 1, seq 128"),
            ("bench-llama-op14.onnx", "HF LlamaForCausalLM export (4 layers, GQA) prefill, seq 128")]
    exporter = os.path.join(ROOT, ".venv-export", "bin", "python")
    if not all(os.path.exists(os.path.join(out, f)) for f, _ in real) and os.path.exists(exporter):
        subprocess.run([exporter, os.path.join(ROOT, "scripts", "zoo", "export_zoo.py"), "--bench", "--out", out],
                       capture_output=True, text=True)
    for filename, label in real:
        path = os.path.join(out, filename)
        if os.path.exists(path):
            found.append((label, path, [1, 128]))
        else:
            print(f"{label}: not run (the exporter venv, .venv-export, is missing or failed)")
    minilm = os.path.join(out, "all-MiniLM-L6-v2.onnx")
    if not os.path.exists(minilm):
        exporter = os.path.join(ROOT, "scripts", "fixtures", "export_minilm.py")
        result = subprocess.run([sys.executable, exporter, "--out", out], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"all-MiniLM-L6-v2: not run ({result.stderr.strip().splitlines()[-1]})")
            return found
    found.append(("all-MiniLM-L6-v2 (real), batch 1, seq 128", minilm, [1, 128]))
    return found


def xf_bench(xf_bench_path: str, xfm: str, shape: list[int], threads: int, iters: int, warmup: int) -> dict:
    command = [xf_bench_path, xfm, "--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup),
               "--dim", f"batch={shape[0]}", "--dim", f"sequence={shape[1]}", "--json"]
    result = subprocess.run(command, capture_output=True, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if result.returncode != 0:
        raise RuntimeError(f"xf-bench {xfm} failed: {result.stderr}")
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each engine per configuration")
    parser.add_argument("--min-seconds", type=float, default=0.5,
                        help="at least this long per measurement (more iterations for small models)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--only", default="", help="run only the models whose label contains this text")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    compiled: dict[str, str] = {}
    for label, path, shape in [m for m in models(args.out) if args.only in m[0]]:
        if path not in compiled:
            xfm = os.path.join(args.out, os.path.basename(path)[:-5] + ".xfm")
            subprocess.run([os.path.join(args.bin, "xfc"), path, "-o", xfm, "--max-dim", "sequence=512"],
                           check=True)
            compiled[path] = xfm
        xf_bench_path = os.path.join(args.bin, "xf-bench")
        for n in threads:
            estimate = xf_bench(xf_bench_path, compiled[path], shape, n, 3, 1)["median_ms"]
            iters = iterations_for(estimate, args.iters, args.min_seconds)
            warmup = max(args.warmup, iters // 10)
            result = summarize_rounds(*paired_rounds(
                lambda: xf_bench(xf_bench_path, compiled[path], shape, n, iters, warmup),
                lambda: measure("ort", path, None, shape, n, iters, warmup), args.rounds))
            rows.append((label, n, iters, result))
            print(f"{label:45s} {n} thr  {iters:4d} runs  xfc {result['ours']['median_ms']:9.2f} ms  "
                  f"onnxruntime {result['peer']['median_ms']:8.2f} ms  ratio {result['ratio']:5.2f} "
                  f"(rounds {result['ratio_min']:.2f}-{result['ratio_max']:.2f})", flush=True)

    lines = [
        f"Machine: {machine()}. Best median of {args.rounds} rounds per engine (fresh processes, order "
        f"alternating); each median over the runs given, after a tenth as many warm-up runs "
        f"(at least {args.warmup}).",
        "",
        "| model | threads | runs | xfc ms | onnxruntime ms | xfc / onnxruntime | rounds' ratios | xfc tokens/s | "
        "xfc peak MB | onnxruntime peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, n, iters, result in rows:
        ours, peer = result["ours"], result["peer"]
        lines.append(f"| {label} | {n} | {iters} | {ours['median_ms']:.2f} | {peer['median_ms']:.2f} | "
                     f"{result['ratio']:.2f} | {result['ratio_min']:.2f}-{result['ratio_max']:.2f} | "
                     f"{ours['tokens_per_s']:.0f} | {ours['peak_rss_mb']:.0f} | {peer['peak_rss_mb']:.0f} |")
    report(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
