#!/usr/bin/env bash
# Every metric the alert rules watch is one paymesh registers (a renamed metric would silence an
# alert without anyone noticing).
set -uo pipefail
root="$1"
missing=0
names="$(grep -oE '\b[a-z]+_[a-z_]+(_total|_seconds|_held)\b' "$root/deploy/prometheus/alerts.yaml" | sort -u)"
[ -n "$names" ] || { echo "no metric found in alerts.yaml" >&2; exit 1; }
for name in $names; do
  if ! grep -rqF "\"$name\"" "$root/services" "$root/common" --include=*.cpp; then
    echo "alerts.yaml watches $name, which no service registers" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] && echo "$(wc -w <<<"$names") metrics, all registered"
exit "$missing"
