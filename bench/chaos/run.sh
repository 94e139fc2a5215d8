#!/usr/bin/env bash
# The chaos harness: N orders per fault paid through the WeChat simulator, every notification
# delivered twice, while order or payment is killed (-9), PostgreSQL crashes (immediate stop,
# durable settings), Redis is flushed, the gateway drains on SIGTERM, or deliveries are dropped.
# After the simulator's retry ladder it prints, per fault: orders paid at the simulator, PAID,
# applied twice, lost, time to converge and the gateway's answers. Exit 1 on any loss or double
# application.
#   bench/chaos/run.sh [--orders N=200] [--faults none,kill-order,kill-payment,postgres-crash,
#                      redis-flush,gateway-drain,drop-deliveries] [--downtime-ms MS=1000]
#                      [--converge-timeout SECONDS] [--no-build]
# A killed or drained process stays down for --downtime-ms; payments go on at a pace that spans
# three downtimes, the fault striking a third of the way through.
# PostgreSQL and Redis are its own (CHAOS_PG_PORT / CHAOS_REDIS_PORT, default 25522 / 26522),
# PostgreSQL with fsync, synchronous_commit and full_page_writes on.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=1 args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done
BUILD_DIR="${BUILD_DIR:-build}"
PG_PORT="${CHAOS_PG_PORT:-25522}" REDIS_PORT="${CHAOS_REDIS_PORT:-26522}"
if [ "$build" = 1 ]; then
  BUILD_DIR="$BUILD_DIR" scripts/lib/build.sh --target chaos wechat-sim auth order payment notify-gateway >&2
fi
data="$(mktemp -d "${TMPDIR:-/tmp}/paymesh-chaos.XXXXXX")"
chmod 755 "$data"
trap 'scripts/lib/datastores.sh stop "$data/stores" "$PG_PORT" "$REDIS_PORT" --purge; rm -rf "$data"' EXIT
eval "$(PG_DURABLE=1 scripts/lib/datastores.sh start "$data/stores" "$PG_PORT" "$REDIS_PORT")"
export TEST_PG_DSN="$PG_DSN" TEST_REDIS_URL="$REDIS_URL"
"$BUILD_DIR/bin/chaos" \
  --pg-restart "PG_DURABLE=1 scripts/lib/datastores.sh pg-crash '$data/stores' $PG_PORT $REDIS_PORT" \
  "${args[@]}"
