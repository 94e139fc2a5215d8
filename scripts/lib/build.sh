#!/usr/bin/env bash
# Configures and builds into ${BUILD_DIR:-build} with Ninja, -O2 and ccache.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR="${BUILD_DIR:-build}"
# A cache outside the checkout survives fresh clones (CI clones anew every run).
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/paymesh-ccache}" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
ccache -M 2G >/dev/null 2>&1 || true
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" "$@"
