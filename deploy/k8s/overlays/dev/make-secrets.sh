#!/usr/bin/env bash
# Writes what the dev overlay's generators read, under generated/ next to this script
# (git-ignored; kept on a rerun): the simulator's dev merchant (its state directory, made by
# starting the simulator once), the services' mutual-TLS identities (a dev CA), auth's token
# signing key, PostgreSQL's password and DSN, and merchant.env (the merchant's ids for the
# ConfigMap). Needs build/bin/wechat-sim (scripts/dev up or scripts/lib/build.sh builds it);
# WECHAT_SIM_BIN names another.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="$here/generated"
sim_bin="${WECHAT_SIM_BIN:-$root/build/bin/wechat-sim}"
[ -x "$sim_bin" ] || { echo "make-secrets: no $sim_bin; build it first (scripts/lib/build.sh)" >&2; exit 2; }
mkdir -p "$out" && chmod 700 "$out"
umask 077

# The simulator writes its merchant on first start; it is stopped as soon as it serves.
if [ ! -s "$out/sim/platform_public_key_id" ]; then
  mkdir -p "$out/sim"
  SIM_STATE_DIR="$out/sim" SIM_LISTEN_ADDR=127.0.0.1:0 "$sim_bin" >"$out/sim.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q '"msg":"serving"' "$out/sim.log" && break; sleep 0.1; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -s "$out/sim/platform_public_key_id" ] || { cat "$out/sim.log" >&2; exit 1; }
  rm -f "$out/sim.log"
fi

"$root/scripts/lib/pki.sh" "$out/pki" auth order payment gateway gateway-notify
[ -s "$out/token_signing_key.pem" ] || openssl genpkey -algorithm ed25519 -out "$out/token_signing_key.pem"
[ -s "$out/pg_password" ] || openssl rand -hex 16 | tr -d '\n' >"$out/pg_password"
printf 'postgresql://paymesh:%s@postgres.paymesh.svc:5432/paymesh' "$(cat "$out/pg_password")" >"$out/pg_dsn"
{
  echo "WECHATPAY_MCHID=$(cat "$out/sim/mchid")"
  echo "WECHAT_APPID=$(cat "$out/sim/appid")"
  echo "WECHAT_MINIPROGRAM_APPID=$(cat "$out/sim/miniprogram_appid")"
  echo "WECHATPAY_MERCHANT_SERIAL=$(cat "$out/sim/merchant_serial")"
  echo "WECHATPAY_PLATFORM_PUBLIC_KEY_ID=$(cat "$out/sim/platform_public_key_id")"
} >"$out/merchant.env"
echo "make-secrets: wrote $out; now: kubectl apply -k $here" >&2
