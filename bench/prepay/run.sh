#!/usr/bin/env bash
# Order and native prepay throughput benchmark (see bench/README.md).
#   bench/prepay/run.sh [-n ORDERS=2000] [-c CONNECTIONS=16] [--durable] [--no-build]
# Starts the whole stack on loopback (bench/common/stack.sh), runs build/bin/prepay-bench
# against it: orders created, then each paid natively through the simulator, with throughput,
# latency, CPU per order and per prepay of each process, and the share of CPU spent in RSA
# signatures. Stops everything on exit; logs are kept (and printed) when the run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
TARGETS=(prepay-bench wechat-sim auth order payment notify-gateway)

HELP_LINES=2,7p

# shellcheck source=bench/common/stack.sh
source bench/common/stack.sh "$@"

run_driver "$BIN/prepay-bench" --gateway "127.0.0.1:$GATEWAY_PORT" "${CPU_ARGS[@]}" \
  "${bench_args[@]}"
log "done; load:$(uptime | sed 's/.*load average://')"
exit "$status"
