#!/usr/bin/env bash
# Runs every benchmark (bench/bench_*.cpp); each prints one JSON object. Pass --quick for a
# small smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for bin in build/default/bench/bench_*; do
  [ -x "$bin" ] || continue
  echo "--- $(basename "$bin")"
  if ! "$bin" --json "$@"; then
    echo "benchmark $(basename "$bin") failed" >&2
    status=1
  fi
done
exit $status
