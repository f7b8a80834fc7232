#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts porticod in the standalone role
# with its store in ./.portico, loading resources/kong.yml into an empty store. Starts the
# console too when it is built and a display is present. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh

prefix="${PORTICO_PREFIX:-$PWD/.portico}"
mkdir -p "$prefix"
chmod 750 "$prefix"
echo "porticod: prefix $prefix; Admin API on $prefix/admin.sock and http://127.0.0.1:8001"
echo "try: curl --unix-socket $prefix/admin.sock http://localhost/services"
if [ -x build/bin/portico-console ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  build/bin/portico-console --socket "$prefix/admin.sock" &
fi
exec build/bin/porticod --config resources/portico.conf --prefix "$prefix" "$@"
