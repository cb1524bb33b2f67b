#!/usr/bin/env bash
# Whole-process HTTP comparison: OPSource (JIT, and Native AOT unless AOT=0) against FastAPI + uvicorn, one
# server at a time on 127.0.0.1, the same wrk load on GET /api/v1/health, /api/v1/auth/whoami and a wallet balance.
# See bench/compare/README.md. Results: JSON on stdout, a Markdown table on stderr.
#   bench/compare/run.sh                     # defaults: wrk -t2 -c64, 3 s warm-up + 10 s per endpoint
#   AOT=0 DURATION=30s CONNECTIONS=128 bench/compare/run.sh
#   AOT_DIR=publish bench/compare/run.sh     # measure an already published Native AOT build (scripts/publish-aot.sh)
#   CEILING=0 bench/compare/run.sh           # skip the ceiling (a minimal ASP.NET Core app answering constant JSON)
set -euo pipefail
cd "$(dirname "$0")/../.."
AOT=${AOT:-1}
PORT=${PORT:-18480}
WORK=$(mktemp -d /tmp/opsource-bench-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

bash bench/compare/setup.sh

if [ -n "${JIT:-}" ]; then
  # An existing framework-dependent Release build (a directory with opsource.dll), e.g. a test project's output.
  mkdir -p "$WORK/jit"
  printf '#!/bin/sh\nexec dotnet "%s/opsource.dll" "$@"\n' "$(cd "$JIT" && pwd)" >"$WORK/jit/opsource"
  chmod +x "$WORK/jit/opsource"
else
  echo "publishing the JIT build..." >&2
  dotnet publish src/OPSource.Cli -c Release -o "$WORK/jit" -nologo -v quiet >"$WORK/publish-jit.log" 2>&1 || { tail -30 "$WORK/publish-jit.log" >&2; exit 1; }
fi
aot_args=()
if [ -n "${AOT_DIR:-}" ]; then
  [ -x "$AOT_DIR/opsource" ] || { echo "AOT_DIR=$AOT_DIR has no opsource binary (run scripts/publish-aot.sh)" >&2; exit 1; }
  aot_args=(--aot "$(cd "$AOT_DIR" && pwd)")
elif [ "$AOT" = 1 ]; then
  echo "publishing the Native AOT build..." >&2
  if OUT="$WORK/aot" scripts/publish-aot.sh >"$WORK/publish-aot.log" 2>&1; then
    aot_args=(--aot "$WORK/aot")
  else
    echo "Native AOT publish failed; measuring JIT only (log follows)" >&2
    tail -20 "$WORK/publish-aot.log" >&2
  fi
fi

# The ceiling: a minimal ASP.NET Core app answering constant JSON (bench/compare/ceiling), unless CEILING=0.
ceiling_args=()
if [ "${CEILING:-1}" = 1 ]; then
  echo "building the ceiling app..." >&2
  dotnet build bench/compare/ceiling -c Release -o "$WORK/ceiling" -nologo -v quiet >"$WORK/build-ceiling.log" 2>&1 || { tail -30 "$WORK/build-ceiling.log" >&2; exit 1; }
  ceiling_args=(--ceiling "$WORK/ceiling")
fi

# One data dir (SQLite) for both OPSource builds: a wallet 'bench' (its mnemonic discarded) and a viewer API key
# scoped to it; the signing key is created at first start.
DATA="$WORK/data"
printf 'bench-passphrase\n' >"$WORK/pass"
"$WORK/jit/opsource" wallet create bench --passphrase-file "$WORK/pass" --data-dir "$DATA" --network regtest >/dev/null
key=$("$WORK/jit/opsource" apikey create --role viewer --scope wallet:bench --name bench --data-dir "$DATA" --network regtest --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

/usr/bin/python3 bench/compare/measure.py --jit "$WORK/jit" "${aot_args[@]}" "${ceiling_args[@]}" --data-dir "$DATA" --api-key "$key" \
  --app-dir bench/compare --port "$PORT" --threads "${THREADS:-2}" --connections "${CONNECTIONS:-64}" \
  --duration "${DURATION:-10s}" --warmup "${WARMUP:-3s}" --workers "${WORKERS:-$(nproc)}" --pin "${PIN:-both}" --auth-path "${AUTH_PATH:-/api/v1/wallets/bench/balance}"
