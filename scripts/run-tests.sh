#!/usr/bin/env bash
# The whole test suite, as CI runs it: build; unit, actor and system tests; the unit and actor
# tests again under ASan+UBSan; a short libFuzzer run of the blob decoder; the benchmarks in
# --quick mode (a smoke run: they must complete and print their JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

step() { printf '\n==> %s\n' "$*"; }

step "build (RelWithDebInfo)"
cmake --preset default
cmake --build --preset default -j "$JOBS"

step "unit, actor and system tests"
ctest --preset default

step "ASan+UBSan build: every test labelled 'sanitize' (unit, actor, http, cli)"
cmake --preset asan
# Build exactly the test binaries ctest's asan preset will run (label "sanitize"): test
# "<name>" runs dsdn_<name>_tests ("actors" runs dsdn_actor_tests).
sanitize_targets=$(ctest --preset asan -N | sed -n 's/^ *Test *#[0-9]*: *//p' |
  sed 's/^actors$/actor/; s/.*/dsdn_&_tests/' | tr '\n' ' ')
echo "sanitize targets: $sanitize_targets"
cmake --build --preset asan -j "$JOBS" --target $sanitize_targets
ctest --preset asan

step "fuzz: blob decoder for ${FUZZ_SECONDS}s"
cmake --preset fuzz
cmake --build --preset fuzz -j "$JOBS" --target fuzz_decode_blob
corpus=$(mktemp -d)
cp tests/fuzz/corpus/* "$corpus"/
./build/fuzz/tests/fuzz/fuzz_decode_blob -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
  "$corpus" 2>&1 | tail -n 15
rm -rf "$corpus"

step "benchmarks (--quick)"
scripts/run-benchmarks.sh --quick

step "all tests passed"
