#!/usr/bin/env bash
# Rootstock/EVM peers for the RSK tests (tests/OPSource.Layers.Tests/Rsk): ethers 6, @rsksmart/rsk-utils (EIP-1191),
# solc (soljson.js) and the anvil node binary shipped inside @foundry-rs/anvil-linux-amd64 (the platform package,
# not the wrapper whose postinstall downloads), pinned by tests/peers/rsk/package-lock.json.
# Idempotent: skips when the lockfile is unchanged.
set -euo pipefail
cd "$(dirname "$0")/../../tests/peers/rsk"
command -v npm >/dev/null 2>&1 || { echo "setup.d/30-rsk: npm not found; RSK differential/anvil tests will be skipped (fail under CI)" >&2; exit 0; }
stamp=node_modules/.opsource-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ]; then
  exit 0
fi
# --ignore-scripts: nothing downloads at install time; keccak falls back to its JavaScript implementation.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
chmod +x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
echo "$want" > "$stamp"
