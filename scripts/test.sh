#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with CTest.
# PORTICO_SANITIZE=1 runs the same suite under AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=build
[ "${PORTICO_SANITIZE:-0}" = 1 ] && build_dir=build-asan
# PORTICO_* variables are porticod settings; this one is the script's own.
unset PORTICO_SANITIZE
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build_dir" --output-on-failure --timeout 900
