#!/bin/sh
# Reads secrets given as files (`*_FILE`, as compose and Kubernetes mount them) into the
# variables the server reads, then runs the server with the arguments given (none: serve;
# `admin create --email …`, `migrate`: the CLI).
set -eu
if [ -n "${DATABASE_URL_FILE:-}" ]; then
  DATABASE_URL="$(cat "$DATABASE_URL_FILE")"
  export DATABASE_URL
fi
if [ -n "${REDIS_URL_FILE:-}" ]; then
  REDIS_URL="$(cat "$REDIS_URL_FILE")"
  export REDIS_URL
fi
exec /usr/local/bin/glidepath "$@"
