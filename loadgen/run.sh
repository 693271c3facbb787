#!/usr/bin/env bash
# Runs the live-stream load test: a release server pinned to core 0 (one HTTP worker and one
# session thread, since it has one core), the load generator pinned to core 1, 50 synthetic
# symbols ticking once a second, N sessions of 5 symbols each.
#
#   bash loadgen/run.sh 1000 [extra glidepath-load options]
#
# The first run creates the users (registration and login cost two password hashes each);
# later runs reuse them from target/loadgen-users.txt and only log in. LOAD_SERVER_BIN runs
# another server binary against the same users (to compare two builds on one machine).
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-1000}"
shift || true
target="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
# LOAD_SERVER_BIN and LOAD_GEN_BIN, both set, run given builds without building.
if [ -z "${LOAD_SERVER_BIN:-}" ] || [ -z "${LOAD_GEN_BIN:-}" ]; then
  cargo build --release -q -p glidepath -p glidepath-loadgen
fi
ulimit -n "$(ulimit -Hn)"   # one descriptor per connection on each side
data="${LOAD_DATA_DIR:-$target/loadgen-data}"
mkdir -p "$data"
symbols=$(python3 -c 'print(",".join(f"S{i:02}" for i in range(50)))')
port="${LOAD_PORT:-8090}"
GLIDEPATH_PORT="$port" GLIDEPATH_DATA_DIR="$data" GLIDEPATH_LOG=warn \
GLIDEPATH_MARKET__FEED=synthetic GLIDEPATH_MARKET__SYMBOLS="$symbols" \
GLIDEPATH_MARKET__TICK_INTERVAL_MS=1000 \
GLIDEPATH_AUTH__ACCESS_TTL_SECS=28800 \
GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP=1000000 GLIDEPATH_RATE_LIMIT__LOGIN_PER_ACCOUNT_IP=1000000 \
GLIDEPATH_RATE_LIMIT__LOGIN_SLOW_AFTER=1000000 \
GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP=1000000 \
GLIDEPATH_DATABASE__MAX_CONNECTIONS=16 \
GLIDEPATH_WORKERS="${LOAD_SERVER_THREADS:-1}" GLIDEPATH_LIVE__THREADS="${LOAD_LIVE_THREADS:-1}" \
  taskset -c 0 "${LOAD_SERVER_BIN:-$target/release/glidepath}" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
taskset -c 1 "${LOAD_GEN_BIN:-$target/release/glidepath-load}" --url "http://127.0.0.1:$port" \
  --sessions "$sessions" --server-pid "$server" \
  --users-file "$data/users.txt" "$@"
