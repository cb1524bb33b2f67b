#!/usr/bin/env bash
# Web5 reference libraries for the interop tests (tests/OPSource.Web5.Tests/Web5InteropTests.cs):
# @web5/dids 1.2.0, @web5/credentials 1.1.3, @tbd54566975/dwn-sdk-js 0.5.2, @web5/dwn-server 0.6.1,
# pinned by tests/peers/web5/package-lock.json. Idempotent: skips when the lockfile is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../../tests/peers/web5"
command -v npm >/dev/null 2>&1 || { echo "setup.d/20-web5: npm not found; Web5 interop tests will be skipped (fail under CI)" >&2; exit 0; }
stamp=node_modules/.opsource-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
sqlite_addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  # dwn-server (the DWN interop tests) needs the native module; rebuild it if an earlier run could not.
  [ -f "$sqlite_addon" ] || npm rebuild better-sqlite3 --loglevel=error >/dev/null 2>&1 || echo "setup.d/20-web5: better-sqlite3 rebuild failed (dwn-server unavailable)" >&2
  exit 0
fi
# --ignore-scripts: no install scripts run; better-sqlite3 (dwn-server's store) is the one native module, rebuilt explicitly.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
npm rebuild better-sqlite3 --loglevel=error >/dev/null 2>&1 || echo "setup.d/20-web5: better-sqlite3 rebuild failed (dwn-server unavailable)" >&2
echo "$want" > "$stamp"
