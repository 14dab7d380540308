#!/usr/bin/env python3
"""xfc's generated matrix products against OpenBLAS sgemm, in one run.

    .venv/bin/python bench/gemm_benchmark.py [--threads 1,2] [--iters 20] \
        [--coretype SkylakeX] [--markdown FILE]

Shapes (M x K x N) are those of transformer inference: 128x384x1536
(MiniLM's FFN at 128 tokens), 128x768x3072 (BERT-base's), 1x768x3072 (one
decoded token: a matrix-vector product) and 1024x1024x1024. xfc compiles an
ONNX MatMul by a constant weight (an `xf.matmul` by a 2-D weight, lowered by
`xf-matmul-microkernel`) and `xf-bench` times it; OpenBLAS (Debian's
libopenblas0-pthread, loaded with ctypes; only the yardstick, never linked
into generated code) times cblas_sgemm on the same shapes (cblas_sgemv for
the one-row product). Debian's OpenBLAS
0.3.21 may not recognize a recent CPU and fall back to slow kernels:
`--coretype` sets OPENBLAS_CORETYPE for its runs only (SkylakeX selects the
AVX-512 kernels), and the table says which was used. GFLOP/s count 2MNK.

Each configuration is measured in `--rounds` rounds (fresh processes, the
order alternating), with enough runs to last `--min-seconds`; the table
gives each side's best median and the range of the rounds' own ratios.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time

import numpy as np

from benchlib import ROOT, iterations_for, machine, paired_rounds, report, summarize_rounds

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
SHAPES = [(128, 384, 1536), (128, 768, 3072), (1, 768, 3072), (1024, 1024, 1024)]


def write_matmul(path: str, m: int, k: int, n: int) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = np.random.default_rng(0).standard_normal((k, n), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(weight, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8), path)


def openblas_worker(m: int, k: int, n: int, threads: int, iters: int, warmup: int) -> None:
    """Times cblas_sgemm in this process (OPENBLAS_* are set by the caller)."""
    lib = ctypes.CDLL(OPENBLAS)
    lib.openblas_set_num_threads(threads)
    lib.openblas_get_corename.restype = ctypes.c_char_p
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = np.zeros((m, n), np.float32)
    ptr = lambda x: x.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    f = ctypes.c_float
    if m == 1:
        # One row: the matrix-vector product, y = W^T x, as
        # cblas_sgemv(RowMajor=101, Trans=112, rows=K, cols=N, alpha, W, lda, x, 1, beta, y, 1).
        call = lambda: lib.cblas_sgemv(101, 112, k, n, f(1.0), ptr(b), n, ptr(a), 1, f(0.0), ptr(c), 1)  # noqa
    else:
        # cblas_sgemm(RowMajor=101, NoTrans=111, NoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
        call = lambda: lib.cblas_sgemm(101, 111, 111, m, n, k, f(1.0), ptr(a), k, ptr(b), n, f(0.0), ptr(c), n)  # noqa
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "core": lib.openblas_get_corename().decode()}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "gemm"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each side per configuration")
    parser.add_argument("--min-seconds", type=float, default=0.5,
                        help="at least this long per measurement (more iterations for small products)")
    parser.add_argument("--coretype", default="SkylakeX",
                        help="OPENBLAS_CORETYPE for the OpenBLAS runs ('' leaves OpenBLAS to detect the CPU)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--openblas-worker", nargs=6, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.openblas_worker:
        openblas_worker(*args.openblas_worker)
        return 0
    if not os.path.exists(OPENBLAS):
        print(f"{OPENBLAS} is missing: install libopenblas0-pthread (scripts/setup.sh does)", file=sys.stderr)
        return 1

    os.makedirs(args.out, exist_ok=True)
    # The machine's own FMA peak on each thread count (bench/peak/xf-peak.cpp).
    peaks = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        peak = json.loads(subprocess.run([os.path.join(args.bin, "xf-peak"), "--threads", str(threads), "--json"],
                                         capture_output=True, text=True, check=True).stdout)
        peaks[threads] = peak["fma_gflops_n"]
        print(f"FMA peak ({peak['isa']}, f32) on {threads} thread(s): {peak['fma_gflops_n']:.1f} GFLOP/s; "
              f"memory bandwidth (triad): {peak['triad_gbs_n']:.1f} GB/s", flush=True)
    rows = []
    core = "?"
    for m, k, n in SHAPES:
        name = f"{m}x{k}x{n}"
        model = os.path.join(args.out, f"matmul_{name}.onnx")
        xfm = os.path.join(args.out, f"matmul_{name}.xfm")
        write_matmul(model, m, k, n)
        subprocess.run([os.path.join(args.bin, "xfc"), model, "-o", xfm], check=True)
        flops = 2.0 * m * n * k
        for threads in [int(t) for t in args.threads.split(",")]:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads))
            blas_env = dict(env, OPENBLAS_NUM_THREADS=str(threads))
            blas_env.pop("OPENBLAS_CORETYPE", None)
            blas_env.pop("OPENBLAS_L2_SIZE", None)
            if args.coretype:
                blas_env["OPENBLAS_CORETYPE"] = args.coretype

            def ours(iters: int, warmup: int) -> dict:
                return json.loads(subprocess.run(
                    [os.path.join(args.bin, "xf-bench"), xfm, "--threads", str(threads), "--iters", str(iters),
                     "--warmup", str(warmup), "--json"], capture_output=True, text=True, check=True,
                    env=env).stdout)

            def blas(iters: int, warmup: int) -> dict:
                return json.loads(subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "--openblas-worker", str(m), str(k), str(n),
                     str(threads), str(iters), str(warmup)],
                    capture_output=True, text=True, check=True, env=blas_env).stdout)

            iters = iterations_for(ours(3, 1)["median_ms"], args.iters, args.min_seconds)
            warmup = max(args.warmup, iters // 10)
            result = summarize_rounds(*paired_rounds(lambda: ours(iters, warmup), lambda: blas(iters, warmup),
                                                     args.rounds))
            core = result["peer"]["core"]
            mine, theirs = result["ours"]["median_ms"], result["peer"]["median_ms"]
            rows.append((name, threads, iters, mine, theirs, flops, result))
            print(f"{name:16s} {threads} thr {iters:5d} runs  xfc {mine:8.3f} ms ({flops / mine / 1e6:6.1f} GFLOP/s)"
                  f"  OpenBLAS[{core}] {theirs:8.3f} ms ({flops / theirs / 1e6:6.1f} GFLOP/s)"
                  f"  xfc/OpenBLAS throughput {theirs / mine:.2f} (rounds {1 / result['ratio_max']:.2f}-"
                  f"{1 / result['ratio_min']:.2f})", flush=True)

    lines = [
        f"Machine: {machine()}. OpenBLAS: Debian's 0.3.21, kernel {core}"
        f"{' (OPENBLAS_CORETYPE=' + args.coretype + ')' if args.coretype else ' (detected)'}. "
        f"Best median of {args.rounds} rounds per side (fresh processes, order alternating), each over the "
        f"runs given after a tenth as many warm-up runs; xfc's time includes the runtime's input validation "
        "and output allocation.",
        "",
        "FMA peak measured by `xf-peak` in the same run: "
        + ", ".join(f"{peaks[t]:.0f} GFLOP/s on {t} thread(s)" for t in sorted(peaks)) + ".",
        "",
        "| M x K x N | threads | runs | xfc ms | xfc GFLOP/s | xfc % of FMA peak | OpenBLAS ms (sgemm; sgemv for M = 1) | "
        "OpenBLAS GFLOP/s | xfc / OpenBLAS (throughput) | rounds' ratios |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, threads, iters, ours_ms, blas_ms, flops, result in rows:
        gflops = flops / ours_ms / 1e6
        lines.append(f"| {name} | {threads} | {iters} | {ours_ms:.3f} | {gflops:.1f} | {100 * gflops / peaks[threads]:.0f}% | "
                     f"{blas_ms:.3f} | {flops / blas_ms / 1e6:.1f} | {blas_ms / ours_ms:.2f} | "
                     f"{1 / result['ratio_max']:.2f}-{1 / result['ratio_min']:.2f} |")
    report(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
