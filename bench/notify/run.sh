#!/usr/bin/env bash
# Notification throughput benchmark (see bench/README.md).
#   bench/notify/run.sh [-n ORDERS=2000] [-c CONNECTIONS=32] [--dup RATIO=0]
#                       [--setup-connections 8] [--time-cap SECONDS=120] [--timeout-ms 10000]
#                       [--durable] [--no-build]
# Starts the whole stack on loopback (bench/common/stack.sh; --durable: PostgreSQL with fsync,
# synchronous_commit and full_page_writes on), runs build/bin/notify-bench against it, prints the
# CPU time per notification of each process and order's group-commit batch sizes, and stops
# everything on exit. Logs go to a temp dir, kept (and printed) when the run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TARGETS=(notify-bench wechat-sim auth order payment notify-gateway)

HELP_LINES=2,9p

# shellcheck source=bench/common/stack.sh
source bench/common/stack.sh "$@"

run_driver env PG_DSN="$PG_DSN" "$BIN/notify-bench" --gateway "127.0.0.1:$GATEWAY_PORT" \
  --sim-state "$sim" "${CPU_ARGS[@]}" "${bench_args[@]}"
# Group commit as order saw it: commits and the mean number of reports in each.
curl -fsS "http://127.0.0.1:$ORDER_METRICS_PORT/metrics" 2>/dev/null |
  awk '/^order_apply_batch_size_sum/ {s=$2} /^order_apply_batch_size_count/ {c=$2}
       END {if (c > 0) printf "batches      %d commits, %.1f reports per commit\n", c, s / c}'
log "done; load:$(uptime | sed 's/.*load average://')"
exit "$status"
