#!/usr/bin/env bash
# Sanitizer runs of the runtime and the code xfc generates (the test
# command runs this after the main build's tests):
#
#   ASan+UBSan  the runtime, xf-run, xf-bench and the C API test built by
#               clang-22 with -fsanitize=address,undefined (build-asan/),
#               and every artifact compiled with xfc --sanitize=address;
#               then the lit tests of test/runtime and the end-to-end tests
#               of small models (test/e2e, without the zoo and node suites,
#               which the main run covers).
#   TSan        the runtime and its concurrency tests (several threads
#               running one loaded model) built with -fsanitize=thread
#               (build-tsan/).
#
# The compiler itself (xfc: importer, dialect and passes) runs uninstrumented
# here to keep the test command in CI's budget; its importer and dialect are
# under ASan+UBSan in the fuzz targets (scripts/fuzz.sh), and
# `scripts/sanitize.sh --compiler` builds all of xfc with ASan+UBSan and
# runs the same tests with it (about 30 minutes on 2 cores).
# Any sanitizer report fails the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/clang-build.sh"
LIT=/usr/lib/llvm-22/bin/lit

compiler_dir="$ROOT/build/bin"
asan_targets=(xfrt xf-run xf-bench xf-runtime-api-test)
if [ "${1:-}" = "--compiler" ]; then
  compiler_dir="$ROOT/build-asan/bin"
  asan_targets+=(xfc xf-opt xf-translate xf-peak)
fi

echo "sanitize: ASan+UBSan build (build-asan)"
configure_clang_build "$ROOT/build-asan" address,undefined \
  -DXF_COMPILER_TOOLS_DIR="$compiler_dir"
ninja -C build-asan "${asan_targets[@]}"
E2E_TESTS=(attention-bias.test bert-like.test bert-opset11.test gpt2-like.test
           llama-like.test matmul-kernels.test)
"$LIT" -sv build-asan/test/runtime \
  "${E2E_TESTS[@]/#/build-asan/test/e2e/}"

echo "sanitize: TSan build (build-tsan)"
configure_clang_build "$ROOT/build-tsan" thread \
  -DXF_COMPILER_TOOLS_DIR="$ROOT/build/bin"
ninja -C build-tsan xfrt xf-run xf-runtime-api-test
"$LIT" -sv build-tsan/test/runtime/api.test build-tsan/test/runtime/threads.test
