#!/usr/bin/env bash
# Renders one kustomization of deploy/k8s offline and validates what a cluster would receive:
#   tests/k8s/render_overlay.sh SOURCE_DIR OVERLAY WECHAT_SIM_BIN
# OVERLAY is base, overlays/dev or overlays/production. A copy of deploy/k8s is rendered, so the
# dev overlay's generated files (make-secrets.sh) never land in the checkout.
set -euo pipefail
src="$1" overlay="$2" sim_bin="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/deploy" "$work/scripts/lib"
cp -r "$src/deploy/k8s" "$work/deploy/"
rm -rf "$work/deploy/k8s/overlays/dev/generated"
cp "$src/scripts/lib/pki.sh" "$work/scripts/lib/"
if [ "$overlay" = overlays/dev ]; then
  WECHAT_SIM_BIN="$sim_bin" "$work/deploy/k8s/overlays/dev/make-secrets.sh" 2>/dev/null
fi
kubectl kustomize "$work/deploy/k8s/$overlay" >"$work/rendered.yaml"
node "$src/tests/k8s/validate.js" "$work/rendered.yaml"
