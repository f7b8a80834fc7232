#!/usr/bin/env bash
# Installs the Debian 12 packages Portico needs that are not present yet. Idempotent and
# non-interactive; a second run installs nothing. Must run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates file curl
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev qt6-tools-dev qt6-l10n-tools
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev nlohmann-json3-dev libsqlite3-dev libyaml-cpp-dev libre2-dev zlib1g-dev
  fonts-dejavu-core xvfb xauth
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root (no sudo found)" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

# Boost 1.74 and 1.81 -dev trees conflict in Debian and apt will not swap them on its own.
conflicting=()
for p in libboost-dev libboost1.74-dev libboost-program-options-dev libboost-program-options1.74-dev libboost-url-dev; do
  installed "$p" && conflicting+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#conflicting[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if [ ${#conflicting[@]} -gt 0 ]; then
  echo "setup: removing Boost 1.74 development packages: ${conflicting[*]}"
  "${sudo_cmd[@]}" apt-get remove -y -q "${conflicting[@]}"
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
