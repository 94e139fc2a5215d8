#!/usr/bin/env bash
# Installs the Debian 12 packages paymesh needs, only those missing (idempotent).
#   scripts/lib/deps.sh          what building and running the stack needs
#   scripts/lib/deps.sh --test   and what the tests need besides (chromium for the shop's
#                                browser tests, promtool for the alert rules, debootstrap for
#                                the runtime image's root filesystem)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git curl ca-certificates openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libhiredis-dev libpqxx-dev libpq-dev libssl-dev libqrencode-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql redis-server wrk
)
[ "${1:-}" = --test ] && PACKAGES+=(chromium prometheus debootstrap)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm are used by the cross-check tests; any install that provides the commands will do.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "[deps] installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
