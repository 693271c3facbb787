#!/usr/bin/env bash
# REST throughput and latency with wrk (Debian's `wrk` package), 50 connections.
#
#   bash loadgen/rest.sh                # /health, then GET /users/profile, 20 s each: a release
#                                       # server with its defaults (both cores, SQLite) and wrk
#                                       # sharing the machine
#   bash loadgen/rest.sh --live 5000    # GET /users/profile while 5,000 live sessions stream
#                                       # (loadgen/run.sh's set-up: server on core 0, the
#                                       # generator and wrk on core 1)
#
# Environment: REST_SECS (default 20), REST_CONNECTIONS (50), LOAD_SERVER_BIN (another
# build's server), GLIDEPATH_* settings for the server (for example
# GLIDEPATH_WORKERS_BATCH_SCHEDULING=false).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
secs="${REST_SECS:-20}"
conns="${REST_CONNECTIONS:-50}"
target="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
[ -n "${LOAD_SERVER_BIN:-}" ] || cargo build --release -q -p glidepath -p glidepath-loadgen
bin="${LOAD_SERVER_BIN:-$target/release/glidepath}"

# A user and an access token valid for the whole run.
token_for() {
  local url="$1" email="rest-$$-$RANDOM@example.com" password="a long benchmark password"
  curl -fsS "$url/auth/register" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
  curl -fsS "$url/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

wait_up() {
  for _ in $(seq 150); do
    curl -fsS "$1/health" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not start" >&2
  exit 1
}

measure() { # name, pin, wrk args...
  local name="$1" pin="$2"
  shift 2
  echo "== $name"
  taskset -c "$pin" wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" \
    | grep -E 'Requests/sec|Latency|^ +(50|75|90|99)%|requests in|Non-2xx|Socket errors'
}

if [ "${1:-}" = "--live" ]; then
  sessions="${2:-5000}"
  port="${LOAD_PORT:-8090}"
  url="http://127.0.0.1:$port"
  log="$(mktemp)"
  # The live load runs long enough to cover wrk's run after every session is subscribed.
  bash loadgen/run.sh "$sessions" --duration-secs "$((secs + 15))" >"$log.out" 2>"$log" &
  live=$!
  trap 'kill $live 2>/dev/null; wait $live 2>/dev/null || true' EXIT
  until grep -q "sessions subscribed" "$log" 2>/dev/null; do
    kill -0 $live 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 1
  done
  sleep 5
  token="$(token_for "$url")"
  measure "GET /users/profile while $sessions sessions stream" 1 \
    -H "Authorization: Bearer $token" "$url/users/profile"
  wait $live || true
  trap - EXIT
  echo "== the live stream meanwhile"
  cat "$log.out"
  rm -f "$log" "$log.out"
  exit 0
fi

port="${LOAD_PORT:-8091}"
url="http://127.0.0.1:$port"
data="$(mktemp -d)"
GLIDEPATH_PORT="$port" GLIDEPATH_DATA_DIR="$data" GLIDEPATH_LOG=warn "$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
wait_up "$url"
token="$(token_for "$url")"
measure "GET /health" 0,1 "$url/health"
measure "GET /users/profile" 0,1 -H "Authorization: Bearer $token" "$url/users/profile"
