#!/usr/bin/env bash
# The runtime image, proved without a container engine: the runtime root filesystem built from
# Debian's packages with debootstrap, with exactly the packages deploy/Dockerfile's runtime stage
# installs (read from the Dockerfile) and the binaries it copies, then each binary run inside it
# with chroot as uid 65532, as the image runs them:
#   every shared library resolves (the dynamic loader's own listing: nothing "not found");
#   without configuration, --check-config refuses and names what is missing (exit 2);
#   with a full configuration (keys and mutual-TLS identities as mounted Secrets would hold
#   them), --check-config accepts it; the simulator, which writes its keys, starts and serves.
#   tests/image/check.sh SOURCE_DIR BIN_DIR
# The root filesystem is cached outside the checkout, like the compiler cache
# (PAYMESH_ROOTFS_CACHE, default ~/.cache/paymesh-rootfs, one per package list); the mirror is
# the machine's own (its apt sources). Needs root (debootstrap, chroot) and debootstrap.
set -euo pipefail
src="$1" bin="$2"
if [ "$(id -u)" -ne 0 ]; then
  # debootstrap and chroot need root: through sudo where it asks for no password.
  sudo -n true 2>/dev/null || { echo "image check: needs root or password-less sudo (debootstrap, chroot)" >&2; exit 1; }
  exec sudo -n env PAYMESH_ROOTFS_CACHE="${PAYMESH_ROOTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paymesh-rootfs}" "$0" "$@"
fi
command -v debootstrap >/dev/null || { echo "image check: no debootstrap (scripts/lib/deps.sh --test)" >&2; exit 1; }

# The runtime stage's apt-get install list, continuation lines joined.
mapfile -t packages < <(awk '/^FROM .* AS runtime/ {on=1; next} /^FROM / {on=0} on' "$src/deploy/Dockerfile" |
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep 'apt-get install' | sed -e 's/.*--no-install-recommends//' -e 's/&&.*//' |
  tr -s ' ' '\n' | sed '/^$/d')
[ ${#packages[@]} -gt 0 ] || { echo "image check: no runtime packages found in deploy/Dockerfile" >&2; exit 1; }
suite="$(sed -n 's/^FROM debian:\([0-9]*\)-slim AS runtime.*/\1/p' "$src/deploy/Dockerfile")"
case "$suite" in 12) suite=bookworm ;; *) echo "image check: runtime base debian:$suite unknown" >&2; exit 1 ;; esac

# The machine's own Debian mirror: deb822 sources first, then sources.list.
mirror="$(awk '/^URIs:/ {u=$2} /^Suites:/ && /(^| )'"$suite"'( |$)/ {print u; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $3 == "'"$suite"'" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$mirror" ] || { echo "image check: no $suite mirror in the apt sources" >&2; exit 1; }

cache="${PAYMESH_ROOTFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paymesh-rootfs}"
key="$(printf '%s ' "$suite" "${packages[@]}" | sha256sum | cut -c1-16)"
base="$cache/$key"
if [ ! -f "$base/.complete" ]; then
  echo "[image] debootstrap $suite with: ${packages[*]} (from $mirror; cached in $base)" >&2
  mkdir -p "$cache"
  rm -rf "$base.tmp"
  include="$(IFS=,; echo "${packages[*]}")"
  debootstrap --variant=minbase --include="$include" "$suite" "$base.tmp" "$mirror" >"$cache/$key.log" 2>&1 ||
    { tail -n 30 "$cache/$key.log" >&2; exit 1; }
  rm -f "$base.tmp"/var/cache/apt/archives/*.deb
  touch "$base.tmp/.complete"
  mv "$base.tmp" "$base"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
cp -a "$base" "$root"
# COPY --from=build /src/build/bin/ /usr/local/bin/
for b in auth order payment notify-gateway wechat-sim; do
  install -m 0755 "$bin/$b" "$root/usr/local/bin/$b"
done
# What Secrets and volumes would mount: owned by the image's user.
etc="$root/etc/paymesh" state="$root/var/lib/paymesh"
mkdir -p "$etc" "$state/sim"
"$src/scripts/lib/pki.sh" "$etc/pki" auth order payment gateway
openssl genpkey -algorithm ed25519 -out "$etc/token_signing_key.pem" 2>/dev/null
chown -R 65532:65532 "$etc" "$state"

failures=0
chroot_bin="$(command -v chroot)"
run_path=/usr/local/bin:/usr/bin:/bin
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
as_user() { env -i PATH="$run_path" "$chroot_bin" --userspec=65532:65532 "$root" "$@"; }

for b in auth order payment notify-gateway wechat-sim; do
  # The image's own loader lists every library it resolves and marks the rest "not found".
  if ! libs="$(as_user /lib64/ld-linux-x86-64.so.2 --list "/usr/local/bin/$b" 2>&1)"; then
    fail "$b: the loader could not list its libraries: $libs"
  elif grep -q "not found" <<<"$libs"; then
    fail "$b: unresolved libraries: $(grep 'not found' <<<"$libs" | tr -s ' \t' ' ' | tr '\n' ';')"
  else
    echo "ok   $b: $(grep -c '=>' <<<"$libs") libraries resolve"
  fi
  set +e
  out="$(as_user "/usr/local/bin/$b" --check-config 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -eq 2 ] && grep -qi "required\|invalid" <<<"$out"; then
    echo "ok   $b: unconfigured, refuses (exit 2): $(head -n 2 <<<"$out" | tail -n 1 | sed 's/^ *//')"
  else
    fail "$b: unconfigured --check-config exited $rc: $out"
  fi
done

# The simulator writes the dev merchant's keys into its state directory and serves.
# exec all the way down (env, chroot, env, the simulator), so that $! is the simulator itself.
(exec env -i PATH="$run_path" "$chroot_bin" --userspec=65532:65532 "$root" \
   env SIM_STATE_DIR=/var/lib/paymesh/sim SIM_LISTEN_ADDR=127.0.0.1:0 /usr/local/bin/wechat-sim) \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do grep -q '"msg":"serving"' "$work/sim.log" && break; sleep 0.1; done
if grep -q '"msg":"serving"' "$work/sim.log"; then
  echo "ok   wechat-sim: serves as uid 65532 ($(grep -o '"http_port":[0-9]*' "$work/sim.log"))"
else
  fail "wechat-sim: did not serve: $(tail -n 5 "$work/sim.log")"
fi
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
if kill -0 "$sim_pid" 2>/dev/null; then fail "wechat-sim: still running after SIGTERM"; fi

sim=/var/lib/paymesh/sim pki=/etc/paymesh/pki
simval() { cat "$root$sim/$1" 2>/dev/null || echo missing; }
tls() { echo "GRPC_TLS_CA_FILE=$pki/ca.crt GRPC_TLS_CERT_FILE=$pki/$1.crt GRPC_TLS_KEY_FILE=$pki/$1.key"; }
declare -A configured=(
  [order]="$(tls order) PG_DSN=postgresql://paymesh:secret@postgres:5432/paymesh"
  [auth]="$(tls auth) PG_DSN=postgresql://paymesh:secret@postgres:5432/paymesh REDIS_URL=redis://redis:6379/0 AUTH_TOKEN_SIGNING_KEY_FILE=/etc/paymesh/token_signing_key.pem"
  [payment]="$(tls payment) ORDER_GRPC_ADDR=order:20051 WECHATPAY_MCHID=$(simval mchid) WECHAT_APPID=$(simval appid) WECHATPAY_MERCHANT_SERIAL=$(simval merchant_serial) WECHATPAY_MERCHANT_PRIVATE_KEY_FILE=$sim/merchant_private_key.pem WECHATPAY_APIV3_KEY_FILE=$sim/apiv3_key WECHATPAY_PLATFORM_PUBLIC_KEY_FILE=$sim/platform_public_key.pem WECHATPAY_PLATFORM_PUBLIC_KEY_ID=$(simval platform_public_key_id) WECHATPAY_NOTIFY_URL=https://shop.example.com/wechat/notify/pay"
  [notify-gateway]="$(tls gateway) AUTH_GRPC_ADDR=auth:20051 ORDER_GRPC_ADDR=order:20051 PAYMENT_GRPC_ADDR=payment:20051"
  [wechat-sim]="SIM_STATE_DIR=$sim"
)
for b in auth order payment notify-gateway wechat-sim; do
  set +e
  # shellcheck disable=SC2086  # the assignments are words of their own
  out="$(as_user env ${configured[$b]} "/usr/local/bin/$b" --check-config 2>&1)"
  rc=$?
  set -e
  if [ "$rc" -eq 0 ] && grep -q "configuration ok" <<<"$out"; then
    echo "ok   $b: configured, --check-config accepts it"
  else
    fail "$b: configured --check-config exited $rc: $out"
  fi
done

echo "image check: ${#packages[@]} runtime packages, $failures problems"
[ "$failures" -eq 0 ]
