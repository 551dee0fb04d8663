#!/usr/bin/env bash
# A 2-of-3 committee devnet on loopback.
#
#   config/devnet/committee.sh start DIR   keygen, one DA node and three coordinators (free ports)
#                                          under DIR; waits until every member sees the other two
#                                          connected, then prints the three HTTP URLs, one per
#                                          line, and `token=<api token>`.
#   config/devnet/committee.sh stop DIR    stops them (SIGTERM, then SIGKILL after 20 s).
#
# Environment: DSDN_BIN (default: build/default/dsdn-coordinator, else dsdn-coordinator on
# PATH); DEVNET_DA=node (default: every coordinator reads and writes the one DA node, so their
# states agree) or DEVNET_DA=mock (each has its own in-memory DA); DEVNET_TLS=1 uses mutual TLS
# on the peer links with certificates from scripts/devnet-certs.sh.
# Logs: DIR/<name>.log; pids: DIR/<name>.pid.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ $# -eq 2 ]] || usage
cmd="$1"
dir="$2"

stop_all() {
  stop_rest
}

start_all() {
  preflight
  local token ids=(a b c) spec="" id
  token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  declare -A peer_port http_port
  for id in "${ids[@]}"; do
    peer_port[$id]="$(free_port)"
    http_port[$id]="$(free_port)"
    spec+="${spec:+,}$id=127.0.0.1:${peer_port[$id]}"
  done
  if [[ ! -f "$dir/keys/committee.json" ]]; then
    "$bin" keygen --threshold 2 --members "$spec" --out "$dir/keys" >"$dir/keygen.log" 2>&1 ||
      { cat "$dir/keygen.log" >&2; exit 1; }
  else
    # Reuse the keys (and so their peer addresses) of an earlier start.
    for id in "${ids[@]}"; do
      peer_port[$id]="$(python3 -c "import json,sys; c=json.load(open('$dir/keys/committee.json')); print([m['address'] for m in c['members'] if m['id']=='$id'][0].rsplit(':',1)[1])")"
    done
  fi

  local da_args=()
  if [[ "${DEVNET_DA:-node}" == "node" ]]; then
    # Port 0: the DA node binds a free port and prints its URL once listening.
    "$bin" da-node serve --port 0 --data-dir "$dir/da-node" --block-time-ms 200 \
      >"$dir/da-node.log" 2>&1 &
    echo $! >"$dir/da-node.pid"
    wait_for_line "$dir/da-node.log" "da_node_started url=" 30 ||
      { echo "the DA node did not start:" >&2; cat "$dir/da-node.log" >&2; stop_all; exit 1; }
    da_args=(--da-rpc-url "$(log_field "$dir/da-node.log" da_node_started url)" --da-network local
             --da-namespace "$(printf '00%.0s' {1..19})$(printf 'dd%.0s' {1..10})")
  else
    da_args=(--mock-da)
  fi

  local tls_args=()
  if [[ "${DEVNET_TLS:-0}" == "1" ]]; then
    "$root/scripts/devnet-certs.sh" "$dir/certs" "${ids[@]}" >"$dir/certs.log" 2>&1 ||
      { cat "$dir/certs.log" >&2; stop_all; exit 1; }
  fi

  for id in "${ids[@]}"; do
    if [[ "${DEVNET_TLS:-0}" == "1" ]]; then
      tls_args=(--peer-tls-cert "$dir/certs/$id.pem" --peer-tls-key "$dir/certs/$id.key"
                --peer-tls-ca "$dir/certs/ca.pem")
    fi
    "$bin" serve "${da_args[@]}" --port "${http_port[$id]}" --data-dir "$dir/data-$id" \
      --api-token "$token" --committee "$dir/keys/committee.json" \
      --member-key "$dir/keys/member-$id.json" "${tls_args[@]}" >"$dir/$id.log" 2>&1 &
    echo $! >"$dir/$id.pid"
  done
  for id in "${ids[@]}"; do
    wait_for_line "$dir/$id.log" "serve_listening url=" 60 ||
      { echo "coordinator $id did not start:" >&2; cat "$dir/$id.log" >&2; stop_all; exit 1; }
  done

  # Connected = every member lists all three as connected.
  local ok
  for _ in $(seq 300); do
    ok=1
    for id in "${ids[@]}"; do
      python3 - "${http_port[$id]}" 2>/dev/null <<'PY' || ok=0
import json, sys, urllib.request
port = sys.argv[1]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/committee/status", timeout=2) as r:
    st = json.load(r)
sys.exit(0 if all(m["connected"] for m in st["members"]) else 1)
PY
    done
    [[ $ok == 1 ]] && break
    sleep 0.1
  done
  if [[ $ok != 1 ]]; then
    echo "the committee did not connect within 30 s (logs in $dir)" >&2
    stop_all
    exit 1
  fi
  for id in "${ids[@]}"; do
    echo "http://127.0.0.1:${http_port[$id]}"
  done
  echo "token=$token"
}

case "$cmd" in
  start) start_all ;;
  stop) stop_all ;;
  *) usage ;;
esac
