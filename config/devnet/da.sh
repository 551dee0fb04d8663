#!/usr/bin/env bash
# A fallback-DA devnet on loopback: every DA layer of one coordinator as a real process.
#
#   config/devnet/da.sh start DIR   five `da-node serve` processes under DIR (the primary, three
#                                   QuorumDA validators, the emergency DA) and one coordinator
#                                   using all of them (quorum 2 of 3); waits until the
#                                   coordinator answers /ready, then prints its URL (the only
#                                   line on stdout).
#   config/devnet/da.sh stop DIR    stops them, the coordinator first (SIGTERM, then SIGKILL
#                                   after 20 s).
#
# Kill DIR/primary.pid (or two validators) to watch the coordinator fail over: /da/routing,
# /fallback/status and /fallback/pending show it. The DA nodes listen on fixed ports (in
# DIR/<name>.port), so `da.sh start DIR` after a stop brings back the same layers and state.
#
# Environment: DSDN_BIN (default: build/default/dsdn-coordinator, else dsdn-coordinator on
# PATH); DEVNET_HEALTH_INTERVAL_MS (default 500: how often the coordinator probes each layer);
# DEVNET_BLOCK_TIME_MS (default 200). Logs: DIR/<name>.log; pids: DIR/<name>.pid.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ $# -eq 2 ]] || usage
cmd="$1"
dir="$2"

# The primary's namespace (version 0, 18 zero bytes, a 10-byte sub-ID), shared by every layer.
namespace="$(printf '00%.0s' {1..19})$(printf 'da%.0s' {1..10})"
nodes=(primary validator-1 validator-2 validator-3 emergency)

# The coordinator first, so it can still flush to its DA layers; then the DA nodes together.
stop_all() {
  [[ -f "$dir/coordinator.pid" ]] && stop_one "$dir/coordinator.pid"
  stop_rest
}

fail() {  # message log
  echo "$1" >&2
  [[ -f "$2" ]] && cat "$2" >&2
  stop_all
  exit 1
}

# Starts `da-node serve` NAME on the port kept in DIR/NAME.port (a new free one the first time).
start_da_node() {
  local name="$1" port
  if [[ -f "$dir/$name.port" ]]; then
    port="$(cat "$dir/$name.port")"
  else
    port="$(free_port)"
    echo "$port" >"$dir/$name.port"
  fi
  # A fresh log per start: the URL and key below come from this start's first line.
  "$bin" da-node serve --port "$port" --data-dir "$dir/$name" \
    --block-time-ms "${DEVNET_BLOCK_TIME_MS:-200}" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

start_all() {
  preflight
  local name
  for name in "${nodes[@]}"; do
    start_da_node "$name"
  done
  declare -A url key
  for name in "${nodes[@]}"; do
    wait_for_line "$dir/$name.log" "da_node_started url=" 30 ||
      fail "DA node $name did not start:" "$dir/$name.log"
    url[$name]="$(log_field "$dir/$name.log" da_node_started url)"
    key[$name]="$(log_field "$dir/$name.log" da_node_started validator_key)"
  done

  local port coordinator
  if [[ -f "$dir/coordinator.port" ]]; then
    port="$(cat "$dir/coordinator.port")"
  else
    port="$(free_port)"
    echo "$port" >"$dir/coordinator.port"
  fi
  coordinator="http://127.0.0.1:$port"
  "$bin" serve --port "$port" --data-dir "$dir/data-coordinator" \
    --da-rpc-url "${url[primary]}" --da-namespace "$namespace" --da-network local \
    --da-retry-count 1 --da-retry-delay-ms 100 \
    --enable-fallback --fallback-da-type quorum --quorum-threshold 60 \
    --quorum-validators "${url[validator-1]},${url[validator-2]},${url[validator-3]}" \
    --quorum-validator-keys "${key[validator-1]},${key[validator-2]},${key[validator-3]}" \
    --quorum-signature-timeout-ms 2000 --emergency-da-url "${url[emergency]}" \
    --health-interval-ms "${DEVNET_HEALTH_INTERVAL_MS:-500}" --health-probe-timeout-ms 2000 \
    --reconcile-retry-delay-ms 200 >"$dir/coordinator.log" 2>&1 &
  echo $! >"$dir/coordinator.pid"
  wait_for_line "$dir/coordinator.log" "serve_listening url=http://127.0.0.1:$port" 60 ||
    fail "the coordinator did not start:" "$dir/coordinator.log"
  # Ready = the rebuild from the primary is done and writes are accepted.
  for _ in $(seq 600); do
    if "$bin" --coordinator-url "$coordinator" --timeout-ms 2000 ready >/dev/null 2>&1; then
      echo "$coordinator"
      return 0
    fi
    kill -0 "$(cat "$dir/coordinator.pid")" 2>/dev/null ||
      fail "the coordinator exited:" "$dir/coordinator.log"
    sleep 0.1
  done
  fail "the coordinator was not ready within 60 s:" "$dir/coordinator.log"
}

case "$cmd" in
  start) start_all ;;
  stop) stop_all ;;
  *) usage ;;
esac
