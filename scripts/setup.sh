#!/usr/bin/env bash
# Idempotent setup: installs what the build and the tests need. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libsecp256k1-dev >/dev/null 2>&1 || need_apt+=(libsecp256k1-dev)   # oracle for the secp256k1 engine
dpkg -s postgresql >/dev/null 2>&1 || need_apt+=(postgresql)               # storage tests
dpkg -s clang >/dev/null 2>&1 || need_apt+=(clang)                         # Native AOT linker
dpkg -s zlib1g-dev >/dev/null 2>&1 || need_apt+=(zlib1g-dev)               # Native AOT
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need_apt+=(libsqlite3-dev)       # Native AOT: SQLite linked statically (libsqlite3.a)
dpkg -s python3 >/dev/null 2>&1 || need_apt+=(python3)                     # test.sh summary, free-port probe
# Bitcoin Core v29.2 (../shared/bitcoin-core/bin): its runtime libraries.
for pkg in libevent-core-2.1-7 libevent-extra-2.1-7 libevent-pthreads-2.1-7 libsqlite3-0 libzmq5; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Per-peer setup: each file in scripts/setup.d installs one group of peers idempotently (npm packages
# from committed lockfiles under tests/peers/<name>/, extra apt packages). Run in name order.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done

dotnet restore OPSource.slnx --verbosity quiet
