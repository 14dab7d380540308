#!/usr/bin/env bash
# Runs every test: sets up and builds, then the whole lit suite (check-xf),
# the fuzz targets on their corpora and briefly beyond (scripts/fuzz.sh), and
# the sanitizer runs (scripts/sanitize.sh: ASan+UBSan, TSan).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
ninja -C "$ROOT/build" check-xf
"$ROOT/scripts/fuzz.sh"
"$ROOT/scripts/sanitize.sh"
