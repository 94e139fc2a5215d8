#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL and Redis on loopback.
#   datastores.sh start BASE_DIR PG_PORT REDIS_PORT   → prints `export ...` lines (PG_DSN, REDIS_URL)
#   datastores.sh stop  BASE_DIR PG_PORT REDIS_PORT [--purge]
#   datastores.sh pg-crash BASE_DIR PG_PORT REDIS_PORT   PostgreSQL stopped as a crash would
#                                  (immediate: no checkpoint, recovery from the WAL), then started
# PostgreSQL runs without durability (fsync, synchronous_commit, full_page_writes off), which is
# what tests and the dev stack want; PG_DURABLE=1 keeps PostgreSQL's durable defaults (benchmarks
# of what production runs).
# Works as root (initdb/pg_ctl run as the `postgres` user, which they require) or as a normal
# user. Exits non-zero when a server does not come up: callers must treat that as a failure.
set -euo pipefail

cmd="${1:?start|stop}" BASE="${2:?base dir}" PG_PORT="${3:?pg port}" REDIS_PORT="${4:?redis port}"
PG_DB=paymesh PG_USER=paymesh PG_PASS=paymesh
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
PGDATA="$BASE/pg/data" PGSOCK="$BASE/pg/sock" REDIS_DIR="$BASE/redis"

if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); PG_OS_USER=postgres
else AS_PG=(); PG_OS_USER="$(id -un)"; fi

log() { echo "[datastores] $*" >&2; }

pg_start() {
  [ -x "$PG_BIN/pg_ctl" ] || { log "no pg_ctl under '$PG_BIN' (apt-get install postgresql)"; exit 1; }
  mkdir -p "$BASE/pg"
  chmod 755 "$BASE" "$BASE/pg"
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$BASE/pg"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    "${AS_PG[@]}" mkdir -p "$PGDATA" "$PGSOCK"
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >"$BASE/pg/initdb.log" 2>&1 \
      || { log "initdb failed"; cat "$BASE/pg/initdb.log" >&2; exit 1; }
  fi
  if ! "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${PG_DURABLE:-0}" = 1 ] && durability=""
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$BASE/pg/server.log" -w -t 30 start -o \
      "-p $PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1 $durability -c max_connections=300" \
      >/dev/null || { log "postgres did not start"; cat "$BASE/pg/server.log" >&2; exit 1; }
  fi
  local psql=("${AS_PG[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGSOCK" -p "$PG_PORT" -U postgres -d postgres)
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != 1 ]; then
    "${psql[@]}" -c "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASS'"
  fi
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
  fi
}

redis_start() {
  mkdir -p "$REDIS_DIR"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    for _ in $(seq 1 100); do
      redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
      sleep 0.05
    done
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || { log "redis did not start"; cat "$REDIS_DIR/redis.log" >&2; exit 1; }
  fi
}

stop_all() {
  if [ -s "$PGDATA/PG_VERSION" ]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ "${1:-}" = "--purge" ]; then rm -rf "$BASE"; fi
}

case "$cmd" in
  start)
    pg_start; redis_start
    echo "export PG_DSN='postgresql://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/$PG_DB'"
    echo "export REDIS_URL='redis://127.0.0.1:$REDIS_PORT/0'" ;;
  stop) stop_all "${5:-}" ;;
  pg-crash)
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null
    pg_start ;;
  *) echo "usage: $0 start|stop|pg-crash BASE PG_PORT REDIS_PORT [--purge]" >&2; exit 2 ;;
esac
