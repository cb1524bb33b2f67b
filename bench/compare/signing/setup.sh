#!/usr/bin/env bash
# Peers of the whole-process signing comparison (bench/compare/signing.sh): Debian's python3-bitcoinlib
# (python-bitcoinlib, OpenSSL and libsecp256k1 signing modes) and bitcoinjs-lib 7.0.5 / ecpair 3.0.2 /
# tiny-secp256k1 2.2.4 from npm, pinned by bench/compare/signing/package-lock.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if ! dpkg -s python3-bitcoinlib >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-bitcoinlib >/dev/null \
    || echo "bench/compare/signing/setup.sh: python3-bitcoinlib not installed; bench/compare/signing.sh skips its rows" >&2
fi
cd bench/compare/signing
command -v npm >/dev/null 2>&1 || { echo "bench/compare/signing/setup.sh: npm not found; bench/compare/signing.sh cannot run bitcoinjs-lib" >&2; exit 0; }
stamp=node_modules/.opsource-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# --ignore-scripts: no install scripts run (tiny-secp256k1 2.x is WebAssembly, nothing to build).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
