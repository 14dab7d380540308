#!/usr/bin/env bash
# Runs every test: sets up and builds, then the whole lit suite (check-xf).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
ninja -C "$ROOT/build" check-xf
