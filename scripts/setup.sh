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
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm peers (bcoin, hsd, ...) are installed here by the issues that add their tests.

dotnet restore OPSource.slnx --verbosity quiet
