#!/usr/bin/env bash
# WebSocket conformance: the Autobahn test cases 1.* to 10.* (run by kosoku, from PyPI)
# against /ws/echo, which the server mounts only with GLIDEPATH_WS__AUTOBAHN_ECHO=true and which
# builds its message stream exactly as /ws does. Case 9 sends messages of up to 16 MiB, so the
# message limit is raised for this run; the 1009 refusal at the normal limit is tested in
# tests/api/websocket.rs.
#
#   .ci/autobahn.sh PATH/TO/glidepath
set -euo pipefail

KOSOKU_VERSION=0.1.0
[[ $# -eq 1 && -x $1 ]] || { echo "usage: $0 PATH/TO/glidepath" >&2; exit 2; }
BIN=$(realpath "$1")
VENV=${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/glidepath-venv}
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
if ! "$VENV/bin/pip" show kosoku 2>/dev/null | grep -q "^Version: $KOSOKU_VERSION$"; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "kosoku==$KOSOKU_VERSION"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/glidepath-autobahn.XXXXXX")
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cd "$WORK"
env -u DATABASE_URL -u REDIS_URL GLIDEPATH_PORT="$PORT" GLIDEPATH_WS__AUTOBAHN_ECHO=true \
  GLIDEPATH_WS__MAX_MESSAGE_BYTES=16777216 RUST_LOG=warn "$BIN" >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat server.log >&2; exit 1; }
  sleep 0.1
done

# Cases 12 and 13 test permessage-deflate, which the server does not offer.
"$VENV/bin/kosoku" -m fuzzingclient -x '12.*' -x '13.*' -p 2 -o "$WORK/reports" \
  "ws://127.0.0.1:$PORT/ws/echo" | tail -n 12
