#!/usr/bin/env bash
# Stacks reference libraries for the differential and simnet tests (tests/OPSource.Layers.Tests/Stacks):
# @stacks/transactions 7.6.0, @stacks/clarinet-sdk 3.21.0 with @stacks/clarinet-sdk-wasm 3.21.0 pinned,
# locked by tests/peers/stacks/package-lock.json. Idempotent: skips when the lockfile is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../../tests/peers/stacks"
command -v npm >/dev/null 2>&1 || { echo "setup.d/40-stacks: npm not found; Stacks peer tests will be skipped (fail under CI)" >&2; exit 0; }
stamp=node_modules/.opsource-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# --ignore-scripts: no install scripts run (the Clarity simnet is WebAssembly shipped inside the package).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
