#!/usr/bin/env bash
# The services' identities for mutual TLS: a private CA and one certificate per identity.
#   scripts/lib/pki.sh DIR [NAME...]       NAME defaults to: auth order payment gateway
# Writes DIR/ca.crt, DIR/ca.key and, per NAME, DIR/NAME.crt and DIR/NAME.key (keys 0600); what
# already exists is kept while it is valid for another day and issued by DIR's CA, so a stack
# restarted keeps its identities. An identity is the certificate's DNS name NAME; a service is
# also reachable under NAME.<namespace>.svc[.cluster.local] (PKI_NAMESPACE, default paymesh).
# ECDSA P-256 keys; the CA lasts 10 years, a service certificate PKI_DAYS (default 90).
# PKI_SAN replaces the subjectAltName of the certificates issued ("none": a CN only), for tests
# of certificates that name no identity. Production issues these
# from its own CA (cert-manager, see docs/operations.md); this is the same shape for dev and tests.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/lib/pki.sh DIR [NAME...]" >&2; exit 2; }
dir="$1"; shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(auth order payment gateway)
ns="${PKI_NAMESPACE:-paymesh}"
days="${PKI_DAYS:-90}"

mkdir -p "$dir"
chmod 700 "$dir"
umask 077

if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/O=paymesh/CN=paymesh services CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
fi

for name in "${names[@]}"; do
  case "$name" in
    *[!a-z0-9-]*|"") echo "pki: identity names are [a-z0-9-]+, got '$name'" >&2; exit 2 ;;
  esac
  if [ -s "$dir/$name.crt" ] && [ -s "$dir/$name.key" ] &&
     openssl x509 -in "$dir/$name.crt" -noout -checkend 86400 >/dev/null 2>&1 &&
     openssl verify -CAfile "$dir/ca.crt" "$dir/$name.crt" >/dev/null 2>&1; then
    continue
  fi
  ext="$(mktemp)"
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" >"$ext"
  san="${PKI_SAN:-DNS:$name,DNS:$name.$ns.svc,DNS:$name.$ns.svc.cluster.local}"
  [ "$san" = none ] || echo "subjectAltName=$san" >>"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=paymesh/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days "$days" -sha256 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
done
chmod 644 "$dir"/*.crt
