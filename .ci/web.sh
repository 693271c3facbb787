#!/usr/bin/env bash
# The dashboard (web/): type-check, lint, unit tests, generated types up to date, the committed
# bundle equal to a fresh build, the size budget; then the browser tests (Debian's Chromium)
# against the real server binary, which serves the committed bundle itself.
#
#   bash .ci/web.sh <server binary>
set -euo pipefail
cd "$(dirname "$0")/../web"
server_bin="$1"

if ! command -v chromium >/dev/null; then
  # The npm registry cannot download browsers here: Debian's Chromium is the browser.
  echo "==> installing Debian's Chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi

npm ci --no-audit --no-fund
npm run check
E2E_SERVER_BIN="$server_bin" npm run e2e
