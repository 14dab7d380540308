# Sourced by scripts/fuzz.sh and scripts/sanitize.sh: configures a build
# directory of clang-22 builds with sanitizers, and the sanitizers' options.
#
#   configure_clang_build DIR SANITIZERS [CMAKE OPTIONS...]

configure_clang_build() {
  local dir="$1" sanitizers="$2"
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
      "-DCMAKE_C_FLAGS_RELEASE=-O1 -gline-tables-only -DNDEBUG" \
      -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
      -DXF_SANITIZE="$sanitizers" "$@" >/dev/null
  elif [ $# -gt 0 ]; then
    cmake "$dir" "$@" >/dev/null
  fi
}

export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
# Leaks are errors; libMLIR is not instrumented, so its containers are not
# annotated for ASan's container-overflow check.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_container_overflow=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/test/sanitizers/tsan.supp"
