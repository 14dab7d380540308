"""Shared pieces of the benchmarks: random inputs, one measured configuration
per process, the machine's description."""

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


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """The hidden arguments of worker mode: one configuration, in its own process."""
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", choices=["xfc", "ort"], help=argparse.SUPPRESS)
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    parser.add_argument("--xfm", help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)


def measure(engine: str, onnx_path: str, xfm: str | None, shape: list[int], threads: int,
            iters: int, warmup: int, reference: str | None = None) -> dict:
    """Runs one configuration in a fresh process (this file in worker mode) and returns
    its timings and peak memory."""
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


def iterations_for(estimate_ms: float, min_iters: int, min_seconds: float, cap: int = 5000) -> int:
    """Timed runs so that one measurement lasts at least `min_seconds`: a 0.05 ms product
    timed 20 times is over before the second thread of this VM wakes up."""
    if estimate_ms <= 0:
        return min_iters
    return max(min_iters, min(cap, int(min_seconds * 1e3 / estimate_ms) + 1))


def paired_rounds(measure_ours, measure_peer, rounds: int) -> tuple[list[dict], list[dict]]:
    """Measures both engines `rounds` times, each in a fresh process, alternating which goes
    first, so that a slow phase of the machine (2-vCPU VMs have them, lasting seconds) falls
    on both rather than on one."""
    ours, peer = [], []
    for r in range(rounds):
        if r % 2 == 0:
            ours.append(measure_ours())
            peer.append(measure_peer())
        else:
            peer.append(measure_peer())
            ours.append(measure_ours())
    return ours, peer


def summarize_rounds(ours: list[dict], peer: list[dict]) -> dict:
    """The best median of each engine over the rounds (what the machine gives when it is not
    disturbed), their ratio, and the range of the rounds' own ratios (how noisy it was)."""
    best_ours = min(ours, key=lambda m: m["median_ms"])
    best_peer = min(peer, key=lambda m: m["median_ms"])
    ratios = [o["median_ms"] / p["median_ms"] for o, p in zip(ours, peer)]
    return {"ours": best_ours, "peer": best_peer, "ratio": best_ours["median_ms"] / best_peer["median_ms"],
            "ratio_min": min(ratios), "ratio_max": max(ratios)}


def report(lines: list[str], markdown: str | None) -> None:
    """Prints the markdown table `lines`, and writes it to `markdown` when given."""
    table = "\n".join(lines)
    print()
    print(table)
    if markdown:
        with open(markdown, "w") as f:
            f.write(table + "\n")


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




if __name__ == "__main__":
    _parser = argparse.ArgumentParser()
    _parser.add_argument("--threads", default="1")
    _parser.add_argument("--iters", type=int, default=10)
    _parser.add_argument("--warmup", type=int, default=2)
    add_worker_arguments(_parser)
    worker(_parser.parse_args())
