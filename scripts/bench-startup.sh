#!/usr/bin/env bash
# Measures the startup time of the Native AOT binary (run scripts/publish-aot.sh first).
# Uses hyperfine (Debian package) when present, else a plain timing loop.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-publish/opsource}
[ -x "$BIN" ] || { echo "bench-startup: $BIN not found (run scripts/publish-aot.sh)" >&2; exit 1; }
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 10 --runs 200 "$BIN --version" "$BIN info --json"
else
  runs=200
  start=$(date +%s%N)
  for _ in $(seq $runs); do "$BIN" --version >/dev/null; done
  end=$(date +%s%N)
  echo "$BIN --version: mean $(( (end - start) / runs / 1000 )) us over $runs runs"
fi
