#!/usr/bin/env bash
# The live-stream load split over two nodes of one deployment: two release servers on the
# PostgreSQL of DATABASE_URL and the Redis of REDIS_URL, with one signing key, node 1 pinned
# to core 0 and node 2 to core 1 (one HTTP worker and one session thread each), the synthetic
# feed of loadgen/run.sh (50 symbols once a second; one node runs it, both read its stream),
# and the generator spreading the users over both nodes (user i on node i mod 2), unpinned:
# on a two-core machine it shares the cores with the nodes.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_load REDIS_URL=redis://127.0.0.1:6379 \
#     bash loadgen/two_nodes.sh 10000 [extra glidepath-load options]
#
# The first run creates the users (two password hashes each, spread over both nodes); later
# runs reuse them from $target/loadgen-two-nodes/users.txt (the database must be the same).
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-1000}"
shift || true
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL=postgres://… is needed: the nodes share a database" >&2; exit 2 ;;
esac
[ -n "${REDIS_URL:-}" ] || { echo "REDIS_URL is needed: the nodes share a market and live changes" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
cargo build --release -q -p glidepath -p glidepath-loadgen
ulimit -n "$(ulimit -Hn)"
data="$target/loadgen-two-nodes"
mkdir -p "$data"
[ -f "$data/jwt_private.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
  -out "$data/jwt_private.pem" 2>/dev/null
symbols=$(python3 -c 'print(",".join(f"S{i:02}" for i in range(50)))')
prefix="gp-load-$$:"
ports=(8091 8092)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true' EXIT
for n in 0 1; do
  mkdir -p "$data/node$n"
  GLIDEPATH_PORT="${ports[$n]}" GLIDEPATH_DATA_DIR="$data/node$n" GLIDEPATH_LOG=warn \
  GLIDEPATH_REDIS_PREFIX="$prefix" GLIDEPATH_AUTH__PRIVATE_KEY_PATH="$data/jwt_private.pem" \
  GLIDEPATH_MARKET__FEED=synthetic GLIDEPATH_MARKET__SYMBOLS="$symbols" \
  GLIDEPATH_MARKET__TICK_INTERVAL_MS=1000 \
  GLIDEPATH_AUTH__ACCESS_TTL_SECS=28800 \
  GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP=1000000 GLIDEPATH_RATE_LIMIT__LOGIN_PER_ACCOUNT_IP=1000000 \
  GLIDEPATH_RATE_LIMIT__LOGIN_SLOW_AFTER=1000000 \
  GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP=1000000 \
  GLIDEPATH_DATABASE__MAX_CONNECTIONS=16 \
  GLIDEPATH_WORKERS=1 GLIDEPATH_LIVE__THREADS=1 \
    taskset -c "$n" "$target/release/glidepath" serve &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 150); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
done
urls="http://127.0.0.1:${ports[0]},http://127.0.0.1:${ports[1]}"
"$target/release/glidepath-load" --url "$urls" --sessions "$sessions" \
  --server-pid "${pids[0]},${pids[1]}" --users-file "$data/users.txt" "$@"
for n in 0 1; do
  printf 'node %s: RSS %s\n' "$((n + 1))" "$(grep VmRSS /proc/"${pids[$n]}"/status | awk '{print $2/1024 " MiB"}')"
done
