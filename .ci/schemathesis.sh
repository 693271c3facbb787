#!/usr/bin/env bash
# Property-based API testing of a Glidepath server binary with Schemathesis.
#
#   .ci/schemathesis.sh PATH/TO/glidepath
#
# Starts the server on a free loopback port with a fresh data dir (SQLite by default;
# DATABASE_URL / REDIS_URL from the environment are passed through when set), creates an
# administrator with the CLI, logs in, and runs every Schemathesis check against
# /openapi.json with a fixed seed and a bounded number of examples. Exits non-zero if
# Schemathesis reports any failure or error. The server is stopped with SIGTERM on every
# exit path.
#
# Tunables (environment; deliberately not GLIDEPATH_*, which the server would reject):
#   SCHEMATHESIS_VENV          venv to install into / reuse  (default ~/.cache/glidepath-venv)
#   SCHEMATHESIS_SEED          fixed seed                     (default 20261128)
#   SCHEMATHESIS_MAX_EXAMPLES  examples per operation         (default 250: ~55 s on an idle
#                              2-core machine against the debug binary, ~2-3 min beside a cargo build)
#   SCHEMATHESIS_WORKERS       concurrent workers             (default 1: deterministic order)
#   SCHEMATHESIS_REPORT_DIR    keep the reports and server.log here (default: temp dir, removed)
#   SCHEMATHESIS_REPORTS       report formats (default junit; e.g. junit,ndjson,har)
#   SCHEMATHESIS_TIMEOUT       hard cap in seconds for the run (default 600)
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

if [[ $# -ne 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/glidepath (an executable server binary)" >&2
    exit 2
fi
BIN=$(realpath "$1")
CONFIG=$(realpath "$(dirname "$0")/schemathesis.toml")

VENV=${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/glidepath-venv}
SEED=${SCHEMATHESIS_SEED:-20261128}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-250}
WORKERS=${SCHEMATHESIS_WORKERS:-1}
RUN_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-900}

log() { printf '[schemathesis.sh] %s\n' "$*" >&2; }

# --- 1. Schemathesis, pinned, in a venv outside the repository -------------------------
if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"version $SCHEMATHESIS_VERSION"* ]]; then
    log "installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version >&2
PY="$VENV/bin/python"

# --- 2. Server on a free port with a fresh data dir ---------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/glidepath-schemathesis.XXXXXX")
DATA_DIR="$WORK/data"
mkdir -p "$DATA_DIR"
REPORT_DIR=${SCHEMATHESIS_REPORT_DIR:-$WORK/report}
SERVER_LOG="$WORK/server.log"
SERVER_PID=""
ST_PID=""

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    local pid=$SERVER_PID
    SERVER_PID=""
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping server (pid $pid) with SIGTERM"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "server did not exit 15 s after SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    log "server exited with status $rc"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $ST_PID ]] && kill -0 "$ST_PID" 2>/dev/null; then
        log "interrupted: stopping schemathesis (pid $ST_PID)"
        kill -TERM "$ST_PID" 2>/dev/null || true
        wait "$ST_PID" 2>/dev/null || true
    fi
    stop_server
    if [[ -n ${SCHEMATHESIS_REPORT_DIR:-} && -s $SERVER_LOG ]]; then
        mkdir -p "$REPORT_DIR" && cp "$SERVER_LOG" "$REPORT_DIR/server.log" || true
    fi
    if [[ $rc -ne 0 && -s $SERVER_LOG ]]; then
        log "last server log lines, backtrace frames omitted ($SERVER_LOG):"
        sed 's/\x1b\[[0-9;]*m//g' "$SERVER_LOG" |
            awk '/^Stack backtrace:/ { skip = 1; next } /^[^ ]/ { skip = 0 } !skip' |
            tail -n 40 >&2 || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

export GLIDEPATH_PORT="$PORT"
export GLIDEPATH_DATA_DIR="$DATA_DIR"
export GLIDEPATH_LOG="${GLIDEPATH_LOG:-warn}"
# Schemathesis hammers /auth/login and /auth/register; the limiter is tested elsewhere.
export GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP=1000000
export GLIDEPATH_RATE_LIMIT__LOGIN_PER_ACCOUNT_IP=1000000
export GLIDEPATH_RATE_LIMIT__LOGIN_SLOW_AFTER=1000000
export GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP=1000000
# Generated requests may ask for a million paths; a small time bound keeps the run short (the
# bound's refusal path is exercised instead), and the fan-chart cap keeps memory small.
export GLIDEPATH_SIMULATION__MAX_ESTIMATED_SECONDS=0.5
export GLIDEPATH_SIMULATION__MAX_FAN_CHART_VALUES=2000000
if [[ -n ${REDIS_URL:-} ]]; then
    # Isolate this run's keys in a shared Redis.
    export GLIDEPATH_REDIS_PREFIX="${GLIDEPATH_REDIS_PREFIX:-schemathesis-$$-$RANDOM:}"
fi
DB_KIND="SQLite in the data dir"
[[ -z ${DATABASE_URL:-} ]] || DB_KIND="DATABASE_URL"
RL_KIND="in memory"
[[ -z ${REDIS_URL:-} ]] || RL_KIND="REDIS_URL, key prefix $GLIDEPATH_REDIS_PREFIX"
log "server: $BIN on $BASE, data dir $DATA_DIR, database: $DB_KIND, rate limits: $RL_KIND"

# Run from the work dir so no stray ./glidepath.toml or ./schemathesis.toml is picked up.
cd "$WORK"
"$BIN" serve >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

for i in $(seq 1 600); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        log "server exited during start-up"
        exit 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "$BASE/health" 2>/dev/null; then
        break
    fi
    if [[ $i -eq 600 ]]; then
        log "server not healthy after 60 s"
        exit 1
    fi
    sleep 0.1
done
log "server healthy"

# --- Administrator and access token ------------------------------------------------------
ADMIN_EMAIL="schemathesis-admin-$$@example.com"
ADMIN_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')
printf '%s\n' "$ADMIN_PASSWORD" | "$BIN" admin create --email "$ADMIN_EMAIL" >&2

LOGIN_BODY=$(ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" "$PY" -c \
    'import json, os; print(json.dumps({"email": os.environ["ADMIN_EMAIL"], "password": os.environ["ADMIN_PASSWORD"]}))')
LOGIN_RESPONSE=$(curl -fsS --max-time 30 -H 'Content-Type: application/json' \
    --data "$LOGIN_BODY" "$BASE/auth/login")
TOKEN=$(printf '%s' "$LOGIN_RESPONSE" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
[[ -n $TOKEN ]] || { log "login returned no access_token"; exit 1; }
log "logged in as $ADMIN_EMAIL"

# --- 3. Schemathesis -------------------------------------------------------------------------
mkdir -p "$REPORT_DIR"
ST_ARGS=(
    --config-file "$CONFIG"
    run "$BASE/openapi.json"
    --checks all
    --seed "$SEED"
    --max-examples "$MAX_EXAMPLES"
    --workers "$WORKERS"
    --generation-database none
    --request-timeout 30
    --header "Authorization: Bearer $TOKEN"
    --report "${SCHEMATHESIS_REPORTS:-junit}"
    --report-dir "$REPORT_DIR"
    --no-color
    # Print reproducible curl lines in full (the token belongs to a throw-away server).
    --output-sanitize false
)
log "running: schemathesis ${ST_ARGS[*]/$TOKEN/***}"
ST_RC=0
SECONDS=0
# In the background + wait, so that a SIGTERM/SIGINT to this script runs the trap at once.
timeout --signal=TERM --kill-after=30 "$RUN_TIMEOUT" "$VENV/bin/schemathesis" "${ST_ARGS[@]}" &
ST_PID=$!
wait "$ST_PID" || ST_RC=$?
ST_PID=""
log "schemathesis finished in ${SECONDS}s with exit status $ST_RC"
if [[ -n ${SCHEMATHESIS_REPORT_DIR:-} ]]; then
    log "reports kept in $REPORT_DIR"
fi

# --- 4. Result ----------------------------------------------------------------------------------
stop_server
if [[ $ST_RC -ne 0 ]]; then
    log "FAILED: schemathesis reported failures or errors (exit $ST_RC)"
    exit "$ST_RC"
fi
log "passed"
