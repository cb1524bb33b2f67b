#!/usr/bin/env bash
# Sets up (idempotently) and runs the OPSource service with the embedded SQLite default.
#   scripts/run.sh                                  -> http://127.0.0.1:8080, data in ~/.opsource
#   scripts/run.sh --data-dir /srv/opsource --urls http://127.0.0.1:9000 --network regtest
# Any option of `opsource serve` may be passed. Stop with Ctrl-C (graceful shutdown).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build src/OPSource.Cli -c Release --no-restore --verbosity quiet -nologo
exec src/OPSource.Cli/bin/Release/net10.0/opsource serve "$@"
