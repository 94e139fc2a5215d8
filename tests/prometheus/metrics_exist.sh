#!/usr/bin/env bash
# Every metric the alert rules and the Grafana dashboard query is one paymesh registers (a
# renamed metric would silence an alert or blank a panel without anyone noticing).
#   metrics_exist.sh ROOT FILE...
set -uo pipefail
root="$1"; shift
missing=0
for file in "$@"; do
  # Metric names in PromQL: a name before '{' or '[', or alone inside max(...).
  names="$(grep -oE '\b[a-z][a-z0-9_]*(\{|\[)|\(([a-z][a-z0-9_]*)\)' "$file" |
           sed -E 's/[{[()]//g; s/_bucket$//' | grep -E '_' | sort -u)"
  [ -n "$names" ] || { echo "no metric found in $file" >&2; exit 1; }
  unknown=0
  for name in $names; do
    if ! grep -rqF "\"$name\"" "$root/services" "$root/common" --include=*.cpp; then
      echo "$(basename "$file") queries $name, which no service registers" >&2
      unknown=1
    fi
  done
  [ "$unknown" = 0 ] && echo "$(basename "$file"): $(wc -w <<<"$names") metrics, all registered"
  [ "$unknown" = 0 ] || missing=1
done
exit "$missing"
