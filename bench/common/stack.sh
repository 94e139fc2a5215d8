# The whole stack for a benchmark, on loopback, in a temp dir: sourced by bench/*/run.sh with
# their arguments, after they set ROOT (the checkout), TARGETS (binaries to build) and HELP_LINES
# (the sed range of their usage comment). Takes --no-build, --durable and -h; leaves the other
# arguments in bench_args for the driver. Starts a
# throwaway PostgreSQL and Redis (BENCH_PG_PORT / BENCH_REDIS_PORT, default 25512 / 26512;
# durable=1 keeps fsync, synchronous_commit and full_page_writes on) and wechat-sim, auth, order,
# payment and notify-gateway with port 0; stops everything on exit. Leaves GATEWAY_PORT,
# ORDER_METRICS_PORT, PG_DSN, the simulator's state dir in $sim, PID_OF[name] and CPU_ARGS
# (--cpu NAME=PID for each service and PostgreSQL) for the driver; sets `status` to the driver's
# exit status to keep the logs of a failed run. BUILD_DIR picks another build directory.
build=1 durable=0 bench_args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --durable) durable=1 ;;
    -h|--help) sed -n "$HELP_LINES" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_args+=("$arg") ;;
  esac
done

BUILD_DIR="${BUILD_DIR:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
BIN="$BUILD_DIR/bin"
PG_PORT="${BENCH_PG_PORT:-25512}" REDIS_PORT="${BENCH_REDIS_PORT:-26512}"

log() { echo "[bench] $*" >&2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/paymesh-bench.XXXXXX")"
chmod 755 "$WORK"  # PostgreSQL runs as its own user and must reach its data dir below
mkdir -p "$WORK/logs" "$WORK/keys" "$WORK/sim"
chmod 700 "$WORK/keys" "$WORK/sim"
PIDS=()
declare -A PID_OF
stores_started=0
status=1

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "$stores_started" = 1 ]; then
    scripts/lib/datastores.sh stop "$WORK/data" "$PG_PORT" "$REDIS_PORT" --purge || true
  fi
  if [ "$status" = 0 ]; then rm -rf "$WORK"; else log "logs kept in $WORK/logs"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_service() {  # name, then env assignments
  local name="$1"; shift
  env -i PATH="$PATH" LOG_LEVEL=info "$@" setsid "$BIN/$name" >>"$WORK/logs/$name.log" 2>&1 &
  PIDS+=($!)
  PID_OF[$name]=$!
}

# Waits for the one "serving" line and prints the value of the integer field $2 in it.
serving_port() {  # name field
  local name="$1" field="$2" deadline=$((SECONDS + 60)) line
  until line="$(grep -m1 '"msg":"serving"' "$WORK/logs/$name.log" 2>/dev/null)"; do
    if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then log "$name exited during start-up"; tail -n 20 "$WORK/logs/$name.log" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "$name not serving after 60 s"; tail -n 20 "$WORK/logs/$name.log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$line" | grep -o "\"$field\":[0-9]*" | cut -d: -f2
}

if [ "$build" = 1 ]; then
  log "building ${TARGETS[*]} in $BUILD_DIR"
  if ! BUILD_DIR="$BUILD_DIR" scripts/lib/build.sh --target "${TARGETS[@]}" >"$WORK/logs/build.log" 2>&1; then
    tail -n 30 "$WORK/logs/build.log" >&2
    log "build failed"
    exit 2
  fi
fi
for t in "${TARGETS[@]}"; do
  [ -x "$BIN/$t" ] || { log "missing $BIN/$t: build it first (scripts/lib/build.sh)"; exit 2; }
done

stores_started=1
store_env="$(PG_DURABLE="$durable" scripts/lib/datastores.sh start "$WORK/data" "$PG_PORT" "$REDIS_PORT")"
eval "$store_env"

(umask 077 && openssl genpkey -algorithm ed25519 -out "$WORK/keys/auth_signing_key.pem")
scripts/lib/pki.sh "$WORK/pki" auth order payment gateway
# TLS=(...) the GRPC_TLS_* settings of identity $1 (mutual TLS between the services).
tls_of() {
  TLS=(GRPC_TLS_CA_FILE="$WORK/pki/ca.crt" GRPC_TLS_CERT_FILE="$WORK/pki/$1.crt"
       GRPC_TLS_KEY_FILE="$WORK/pki/$1.key")
}
start_service wechat-sim SIM_LISTEN_ADDR=127.0.0.1:0 SIM_STATE_DIR="$WORK/sim"
SIM_PORT="$(serving_port wechat-sim http_port)"
sim="$WORK/sim"

tls_of auth
start_service auth "${TLS[@]}" GRPC_LISTEN_ADDR=127.0.0.1:0 METRICS_LISTEN_ADDR=127.0.0.1:0 \
  PG_DSN="$PG_DSN" REDIS_URL="$REDIS_URL" AUTH_TOKEN_SIGNING_KEY_FILE="$WORK/keys/auth_signing_key.pem"
tls_of order
start_service order "${TLS[@]}" GRPC_LISTEN_ADDR=127.0.0.1:0 METRICS_LISTEN_ADDR=127.0.0.1:0 PG_DSN="$PG_DSN"
AUTH_PORT="$(serving_port auth grpc_port)"
ORDER_PORT="$(serving_port order grpc_port)"
ORDER_METRICS_PORT="$(serving_port order metrics_port)"
# The simulator never delivers in this bench (the driver plays WeChat's notifier), so the notify
# URL payment registers is never called.
tls_of payment
start_service payment "${TLS[@]}" GRPC_LISTEN_ADDR=127.0.0.1:0 METRICS_LISTEN_ADDR=127.0.0.1:0 \
  ORDER_GRPC_ADDR="127.0.0.1:$ORDER_PORT" \
  WECHATPAY_BASE_URL="http://127.0.0.1:$SIM_PORT" ALLOW_INSECURE_UPSTREAMS=1 \
  WECHATPAY_MCHID="$(cat "$sim/mchid")" WECHAT_APPID="$(cat "$sim/appid")" \
  WECHATPAY_MERCHANT_SERIAL="$(cat "$sim/merchant_serial")" \
  WECHATPAY_MERCHANT_PRIVATE_KEY_FILE="$sim/merchant_private_key.pem" \
  WECHATPAY_APIV3_KEY_FILE="$sim/apiv3_key" \
  WECHATPAY_PLATFORM_PUBLIC_KEY_FILE="$sim/platform_public_key.pem" \
  WECHATPAY_PLATFORM_PUBLIC_KEY_ID="$(cat "$sim/platform_public_key_id")" \
  WECHATPAY_NOTIFY_URL="http://127.0.0.1:9/wechat/notify/pay"
PAYMENT_PORT="$(serving_port payment grpc_port)"
tls_of gateway
start_service notify-gateway "${TLS[@]}" GATEWAY_LISTEN_ADDR=127.0.0.1:0 \
  AUTH_GRPC_ADDR="127.0.0.1:$AUTH_PORT" ORDER_GRPC_ADDR="127.0.0.1:$ORDER_PORT" \
  PAYMENT_GRPC_ADDR="127.0.0.1:$PAYMENT_PORT"
GATEWAY_PORT="$(serving_port notify-gateway http_port)"
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { log "gateway not ready"; exit 1; }
  sleep 0.2
done

log "stack up (gateway 127.0.0.1:$GATEWAY_PORT, durable=$durable); $(nproc) cores; load:$(uptime | sed 's/.*load average://')"
postmaster="$(head -n1 "$WORK/data/pg/data/postmaster.pid")"
CPU_ARGS=(--cpu "notify-gateway=${PID_OF[notify-gateway]}" --cpu "payment=${PID_OF[payment]}"
          --cpu "order=${PID_OF[order]}" --cpu "auth=${PID_OF[auth]}"
          --cpu "wechat-sim=${PID_OF[wechat-sim]}" --cpu "postgresql=$postmaster")

# Runs the driver (the arguments) in the background, so that a signal reaches the trap at once
# (cleanup stops it too), and sets `status` to its exit status.
run_driver() {
  "$@" &
  PIDS=("$!" "${PIDS[@]}")
  set +e
  wait "${PIDS[0]}"
  status=$?
  set -e
}
