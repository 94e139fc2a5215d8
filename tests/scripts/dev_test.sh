#!/usr/bin/env bash
# scripts/dev's read-only commands against a state directory of its own (DEV_STATE_DIR): `logs`
# with a wrong name lists the right ones and exits at once; with no log yet it says so; `-r`
# prints readable lines without health checks; `status` with nothing running says so for each
# component.
set -uo pipefail
dev="$1/scripts/dev"
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
export DEV_STATE_DIR="$state"
fail() { echo "FAIL: $*" >&2; exit 1; }

out="$(timeout 5 "$dev" logs nosuch 2>&1)"; rc=$?
[ "$rc" = 2 ] || fail "logs nosuch: exit $rc, want 2"
for name in wechat-sim auth order payment notify-gateway gateway; do
  grep -q "$name" <<<"$out" || fail "logs nosuch does not list $name: $out"
done

out="$(timeout 5 "$dev" logs gateway 2>&1)"; rc=$?
[ "$rc" = 1 ] || fail "logs without a log: exit $rc, want 1"
grep -q "no log yet" <<<"$out" || fail "logs without a log: $out"

mkdir -p "$state/logs"
cat >"$state/logs/notify-gateway.log" <<'LOG'
{"ts":"2026-12-05T03:06:38.308Z","level":"info","service":"notify-gateway","msg":"serving","http_port":8080}
{"ts":"2026-12-05T03:06:38.416Z","level":"info","service":"notify-gateway","msg":"request","request_id":"r1","method":"GET","route":"/readyz","status":200}
{"ts":"2026-12-05T03:06:39.000Z","level":"warn","service":"notify-gateway","msg":"request refused","request_id":"r2","status":431}
not json at all
LOG
out="$(timeout 2 "$dev" logs -r gateway 2>&1)"
grep -q '^2026-12-05T03:06:38.308Z info notify-gateway: serving http_port=8080' <<<"$out" ||
  fail "readable line missing: $out"
grep -q 'request refused request_id="r2" status=431' <<<"$out" || fail "fields not readable: $out"
grep -q 'readyz' <<<"$out" && fail "health check not hidden: $out"
grep -q '^not json at all$' <<<"$out" || fail "plain line lost: $out"

out="$(timeout 10 "$dev" status 2>&1)"; rc=$?
[ "$rc" = 0 ] || fail "status: exit $rc"
for name in wechat-sim auth order payment notify-gateway postgresql redis; do
  grep -qE "^$name +stopped" <<<"$out" || fail "status does not say $name is stopped: $out"
done
echo "dev script checks passed"
