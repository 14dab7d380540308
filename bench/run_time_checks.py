#!/usr/bin/env python3
"""The cost of the run-time checks (issue 10): each benchmark model compiled
with them (the default) and without (xfc --no-run-time-checks, for this
measurement only), run by xf-bench in alternating rounds on the same shapes.

    .venv/bin/python bench/run_time_checks.py [--threads 1,2] [--rounds 3]
        [--markdown FILE]

The ratio is checked / unchecked latency (best median of the rounds); the
rounds' own ratios show the noise.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import ROOT, iterations_for, machine, paired_rounds, report, summarize_rounds  # noqa: E402
from compare_ort import models, xf_bench  # noqa: E402


def check_count(xfm: str) -> int:
    """How many check sites the artifact's manifest lists."""
    with open(xfm, "rb") as f:
        data = f.read()
    offset, size = struct.unpack("<QQ", data[16:32])
    return len(json.loads(data[offset:offset + size]).get("checks", []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--threads", default="1")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--markdown")
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    xf_bench_path = os.path.join(args.bin, "xf-bench")
    rows = []
    for label, path, shape in [m for m in models(args.out) if args.only in m[0]]:
        base = os.path.join(args.out, os.path.basename(path)[:-5])
        checked, unchecked = base + ".checked.xfm", base + ".unchecked.xfm"
        for xfm, extra in [(checked, []), (unchecked, ["--no-run-time-checks"])]:
            subprocess.run([os.path.join(args.bin, "xfc"), path, "-o", xfm, "--max-dim", "sequence=512"] + extra,
                           check=True)
        for n in [int(t) for t in args.threads.split(",")]:
            estimate = xf_bench(xf_bench_path, checked, shape, n, 3, 1)["median_ms"]
            iters = iterations_for(estimate, args.iters, args.min_seconds)
            warmup = max(3, iters // 10)
            result = summarize_rounds(*paired_rounds(
                lambda: xf_bench(xf_bench_path, checked, shape, n, iters, warmup),
                lambda: xf_bench(xf_bench_path, unchecked, shape, n, iters, warmup), args.rounds))
            rows.append((label, n, check_count(checked), result))
            print(f"{label:50s} {n} thr  {check_count(checked):3d} checks  "
                  f"checked {result['ours']['median_ms']:8.2f} ms  unchecked {result['peer']['median_ms']:8.2f} ms  "
                  f"ratio {result['ratio']:.3f} (rounds {result['ratio_min']:.3f}-{result['ratio_max']:.3f})",
                  flush=True)
    lines = [f"Machine: {machine()}. Best median of {args.rounds} rounds each, order alternating.", "",
             "| model | threads | check sites | checked ms | unchecked ms | checked / unchecked | rounds' ratios |",
             "|---|---|---|---|---|---|---|"]
    for label, n, sites, r in rows:
        lines.append(f"| {label} | {n} | {sites} | {r['ours']['median_ms']:.2f} | {r['peer']['median_ms']:.2f} | "
                     f"{r['ratio']:.3f} | {r['ratio_min']:.3f}-{r['ratio_max']:.3f} |")
    report(lines, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
