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

export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DXF_SANITIZE=address,undefined -DXF_BUILD_FUZZERS=ON >/dev/null
fi
ninja -C "$BUILD" xf-fuzzers

# Leaks are errors; libMLIR is not instrumented, so its containers are not
# annotated for ASan's container-overflow check.
export ASAN_OPTIONS="detect_leaks=1:detect_container_overflow=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
FINDINGS="$BUILD/findings"
mkdir -p "$FINDINGS"
COMMON=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$FINDINGS/"
        -print_final_stats=1)

# Runs in a scratch directory: the ONNX targets resolve external data
# against the current directory.
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

run_target() {
  (cd "$SCRATCH" && "$BUILD/bin/$1" "${COMMON[@]}" "${@:2}")
}

case "${1:-}" in
  "")
    seconds="${XF_FUZZ_SECONDS:-20}"
    for target in "${TARGETS[@]}"; do
      echo "fuzz: $target: replaying $(ls "$CORPUS/$target" | wc -l) inputs"
      run_target "$target" -runs=0 "$CORPUS/$target" 2>"$SCRATCH/$target.log" ||
        { tail -40 "$SCRATCH/$target.log"; exit 1; }
      echo "fuzz: $target: fuzzing for ${seconds}s"
      mkdir -p "$SCRATCH/new-$target"
      run_target "$target" -max_total_time="$seconds" \
        "$SCRATCH/new-$target" "$CORPUS/$target" 2>"$SCRATCH/$target.log" ||
        { tail -40 "$SCRATCH/$target.log"; exit 1; }
      grep -E "^stat::number_of_executed_units|cov:" "$SCRATCH/$target.log" |
        tail -2 | sed "s/^/fuzz: $target: /"
    done
    ;;
  --long)
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
      grep -E "^stat::number_of_executed_units" "$log" | sed "s/^/fuzz: $target: /"
      grep -E "cov:" "$log" | tail -1 | sed "s/^/fuzz: $target: /"
    done
    ;;
  --merge)
    for target in "${TARGETS[@]}"; do
      mkdir -p "$SCRATCH/merged"
      run_target "$target" -merge=1 "$SCRATCH/merged" "$CORPUS/$target" \
        "$WORK/$target" 2>/dev/null
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
