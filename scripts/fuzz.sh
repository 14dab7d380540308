#!/usr/bin/env bash
# The libFuzzer targets (test/fuzz), built with ASan+UBSan by clang-22 into
# build-fuzz/.
#
#   scripts/fuzz.sh                   replay every committed corpus, then
#                                     fuzz each target briefly (the test
#                                     command runs this; XF_FUZZ_SECONDS,
#                                     default 20, per target)
#   scripts/fuzz.sh --long SECONDS [TARGET...]
#                                     fuzz each target for SECONDS, growing
#                                     a working corpus in ~/.cache/xfc/fuzz;
#                                     the logs say executions and coverage
#   scripts/fuzz.sh --merge           fold the working corpora into the
#                                     committed ones, minimized
#
# A crash, sanitizer report, leak, timeout (10 s) or excess memory (2 GB)
# fails the run and leaves the input under build-fuzz/findings/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build-fuzz"
CORPUS="$ROOT/test/fuzz/corpus"
WORK="${XF_FUZZ_WORK:-$HOME/.cache/xfc/fuzz}"
TARGETS=(fuzz-onnx-binary fuzz-onnx-text fuzz-xf-parser fuzz-artifact-loader
         fuzz-npy-reader)

source "$ROOT/scripts/clang-build.sh"
configure_clang_build "$BUILD" address,undefined -DXF_BUILD_FUZZERS=ON
ninja -C "$BUILD" xf-fuzzers

FINDINGS="$BUILD/findings"
mkdir -p "$FINDINGS"
COMMON=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$FINDINGS/"
        -print_final_stats=1)

# Runs in an empty directory: the ONNX targets resolve external data
# against the current directory.
SCRATCH="$(mktemp -d)"
mkdir "$SCRATCH/cwd"
trap 'rm -rf "$SCRATCH"' EXIT

run_target() {
  (cd "$SCRATCH/cwd" && "$BUILD/bin/$1" "${COMMON[@]}" "${@:2}")
}

# The statistics of a run's log (nothing when it has none).
summarize() { # TARGET LOG
  { grep -E "^stat::number_of_executed_units" "$2"; grep -E "cov:" "$2" | tail -1; } |
    sed "s/^/fuzz: $1: /" || true
}

case "${1:-}" in
  "")
    seconds="${XF_FUZZ_SECONDS:-20}"
    for target in "${TARGETS[@]}"; do
      echo "fuzz: $target: replaying $(ls "$CORPUS/$target" | wc -l) inputs"
      run_target "$target" -runs=0 "$CORPUS/$target" 2>"$SCRATCH/$target.log" ||
        { tail -40 "$SCRATCH/$target.log"; exit 1; }
      # A fixed seed: the test command's fuzzing is the same every time.
      echo "fuzz: $target: fuzzing for ${seconds}s"
      mkdir -p "$SCRATCH/new-$target"
      run_target "$target" -seed=1 -max_total_time="$seconds" \
        "$SCRATCH/new-$target" "$CORPUS/$target" 2>"$SCRATCH/$target.log" ||
        { tail -40 "$SCRATCH/$target.log"; exit 1; }
      summarize "$target" "$SCRATCH/$target.log"
    done
    ;;
  --long)
    [ $# -ge 2 ] || { echo "fuzz: --long needs SECONDS" >&2; exit 2; }
    seconds="$2"
    shift 2
    [ $# -gt 0 ] && TARGETS=("$@")
    mkdir -p "$WORK/logs"
    for target in "${TARGETS[@]}"; do
      mkdir -p "$WORK/$target"
      log="$WORK/logs/$target-$(date +%Y%m%d-%H%M%S).log"
      echo "fuzz: $target for ${seconds}s (log $log)"
      run_target "$target" -max_total_time="$seconds" \
        "$WORK/$target" "$CORPUS/$target" 2>"$log" ||
        { tail -40 "$log"; exit 1; }
      summarize "$target" "$log"
    done
    ;;
  --merge)
    for target in "${TARGETS[@]}"; do
      mkdir -p "$SCRATCH/merged" "$WORK/$target"
      run_target "$target" -merge=1 "$SCRATCH/merged" "$CORPUS/$target" \
        "$WORK/$target" 2>"$SCRATCH/merge.log" ||
        { tail -20 "$SCRATCH/merge.log"; exit 1; }
      rm -rf "${CORPUS:?}/$target"
      mv "$SCRATCH/merged" "$CORPUS/$target"
      echo "fuzz: $target: $(ls "$CORPUS/$target" | wc -l) inputs kept"
    done
    ;;
  *)
    sed -n '2,18p' "$0"
    exit 2
    ;;
esac
