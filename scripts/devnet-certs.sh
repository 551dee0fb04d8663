#!/usr/bin/env bash
# Makes a throw-away CA and one certificate per committee member for the peer links' mutual
# TLS (serve --peer-tls-cert/--peer-tls-key/--peer-tls-ca), with the openssl CLI.
#
#   scripts/devnet-certs.sh OUT_DIR NAME...
#
# Writes OUT_DIR/ca.pem, OUT_DIR/ca.key and, per NAME, OUT_DIR/NAME.pem and OUT_DIR/NAME.key
# (keys 0600). CAF's TLS checks only that a certificate chains to the CA, not who holds it:
# a member's identity is proven by its signed hello, so the CN here is informational.
# Existing files are kept (a second run adds only missing members).
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 OUT_DIR NAME..." >&2; exit 2; }
out="$1"
shift
umask 077
mkdir -p "$out"

if [[ ! -f "$out/ca.pem" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
    -subj "/CN=dsdn-devnet-committee-ca" \
    -keyout "$out/ca.key" -out "$out/ca.pem" 2>/dev/null
fi

for name in "$@"; do
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "bad member name: $name" >&2; exit 2; }
  [[ -f "$out/$name.pem" ]] && continue
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$name" \
    -keyout "$out/$name.key" -out "$out/$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' \
    >"$out/$name.ext"
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -CAcreateserial -days 365 -sha256 -extfile "$out/$name.ext" -out "$out/$name.pem" 2>/dev/null
  rm -f "$out/$name.csr" "$out/$name.ext"
done
chmod 0644 "$out"/*.pem
echo "certificates in $out: ca.pem $(printf '%s.pem ' "$@")"
