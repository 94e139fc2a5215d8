#!/usr/bin/env bash
# The cross-check: our payment client and simulator against wechatpay-axios-plugin, both ways.
#   run.sh PATH/TO/wechatpay-vectors
# Needs `npm ci` in this directory first (scripts/test does it). Fails, never skips.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vectors="${1:?path to wechatpay-vectors}"
[ -d "$here/node_modules/wechatpay-axios-plugin" ] || { echo "node_modules missing: run npm ci in $here" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$vectors" emit "$work/state" "$work/vectors.json"
node "$here/crosscheck.js" "$work/vectors.json" "$work/produced.json"
"$vectors" check "$work/state" "$work/produced.json"
echo "cross-check passed"
