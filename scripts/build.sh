#!/usr/bin/env bash
# Configures and builds Portico into build/ (or build-asan/ with PORTICO_SANITIZE=1).
# Binaries land in <build>/bin/. Uses Ninja and ccache; two jobs by default.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
extra=()
if [ "${PORTICO_SANITIZE:-0}" = 1 ]; then
  build_dir=build-asan
  extra+=(-DPORTICO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B "$build_dir" -G Ninja "${extra[@]}" >/dev/null
cmake --build "$build_dir" -j "${PORTICO_JOBS:-2}"
