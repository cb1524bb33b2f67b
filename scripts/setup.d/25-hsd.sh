#!/usr/bin/env bash
# hsd 8.0.0 (Handshake full node) for the Handshake integration tests (tests/OPSource.Web5.Tests/HandshakeTests.cs),
# pinned by tests/peers/hsd/package-lock.json and started by scripts/peers/hsd.sh. Idempotent: skips when the
# lockfile is unchanged. hsd's native modules (bcrypto, urkel's deps, goosig, bdb) build from source (~1.5 min).
set -euo pipefail
cd "$(dirname "$0")/../../tests/peers/hsd"
command -v npm >/dev/null 2>&1 || { echo "setup.d/25-hsd: npm not found; Handshake tests will be skipped (fail under CI)" >&2; exit 0; }
stamp=node_modules/.opsource-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/hsd/bin/hsd ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
