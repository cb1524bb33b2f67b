#!/usr/bin/env bash
# Whole-process DWN throughput: OPSource's DWN endpoint (POST /api/v1/web5/dwn, SQLite) against @web5/dwn-server 0.6.1
# (LevelDB stores, dwn-sdk-js 0.5.2), both on 127.0.0.1, driven by the same client (tests/peers/web5/dwn.mjs bench:
# dwn-sdk-js signs every message before the clock starts). Per server: COUNT RecordsWrites (256 bytes), then COUNT
# RecordsQuery (tag filter, newest 10), CONCURRENCY requests in flight. ROUNDS alternate the two servers.
# Needs the web5 npm peers (scripts/setup.d/20-web5.sh) and a built CLI:
#   dotnet build src/OPSource.Cli -c Release && bench/web5/dwn-throughput.sh
#   COUNT=500 CONCURRENCY=8 ROUNDS=3 bench/web5/dwn-throughput.sh
# Output: the raw JSON per round on stdout, a Markdown table on stderr.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${COUNT:-300}
CONCURRENCY=${CONCURRENCY:-8}
ROUNDS=${ROUNDS:-2}
peers=tests/peers/web5
cli=${CLI:-$(ls -t src/OPSource.Cli/bin/Release/*/opsource.dll 2>/dev/null | head -1)}
[ -n "$cli" ] || { echo "build the CLI first: dotnet build src/OPSource.Cli -c Release" >&2; exit 1; }
[ -f "$peers/node_modules/@web5/dwn-server/package.json" ] || { echo "web5 npm peers missing: scripts/setup.d/20-web5.sh" >&2; exit 1; }
work=$(mktemp -d /tmp/opsource-dwn-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 240); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

ours_port=$(free_port)
OPSOURCE_Server__RateLimitPerSecond=0 OPSOURCE_Server__AnonymousRateLimitPerSecond=0 OPSOURCE_Logging__LogLevel__Default=Warning \
  dotnet "$cli" serve --urls "http://127.0.0.1:$ours_port" --data-dir "$work/opsource" --network regtest >"$work/opsource.log" 2>&1 &
pids+=($!)

theirs_port=$(free_port)
mkdir -p "$work/dwn-server"
package=$PWD/$peers/node_modules/@web5/dwn-server
(cd "$work/dwn-server" && DS_PORT=$theirs_port DWN_BASE_URL=http://127.0.0.1:$theirs_port DS_WEBSOCKET_SERVER=off DWN_SERVER_LOG_LEVEL=ERROR \
  DWN_STORAGE_MESSAGES=level://$work/dwn-server/messages DWN_STORAGE_DATA=level://$work/dwn-server/data \
  DWN_STORAGE_EVENTS=level://$work/dwn-server/events DWN_STORAGE_RESUMABLE_TASKS=level://$work/dwn-server/tasks \
  DWN_TTL_CACHE_URL=sqlite://$work/dwn-server/ttl.db DWN_SERVER_PACKAGE_JSON=$package/package.json \
  exec node "$package/dist/esm/src/main.js" >"$work/dwn-server.log" 2>&1) &
pids+=($!)

wait_http "http://127.0.0.1:$ours_port/api/v1/health"
wait_http "http://127.0.0.1:$theirs_port/info"
ours=http://127.0.0.1:$ours_port/api/v1/web5/dwn
theirs=http://127.0.0.1:$theirs_port/
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, COUNT=$COUNT CONCURRENCY=$CONCURRENCY ROUNDS=$ROUNDS" >&2

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order=("$ours" "$theirs"); else order=("$theirs" "$ours"); fi
  (cd "$peers" && node dwn.mjs bench "$COUNT" "$CONCURRENCY" "${order[@]}") | tee -a "$work/results.jsonl"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$work/results.jsonl" "$ours" >&2 <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    for r in json.loads(line):
        name = "OPSource" if r["url"] == sys.argv[2] else "dwn-server 0.6.1"
        for phase in ("writes", "queries"):
            rows.setdefault((name, phase), []).append(r[phase])
print("| Server | Phase | ops/s (per round) | p50 ms | p99 ms | errors |")
print("|---|---|---:|---:|---:|---:|")
for (name, phase), runs in sorted(rows.items()):
    ops = ", ".join(f"{x['ops_per_s']:.0f}" for x in runs)
    p50 = ", ".join(f"{x['p50_ms']:.1f}" for x in runs)
    p99 = ", ".join(f"{x['p99_ms']:.1f}" for x in runs)
    print(f"| {name} | RecordsWrite | {ops} | {p50} | {p99} | {sum(x['errors'] for x in runs)} |" if phase == "writes"
          else f"| {name} | RecordsQuery | {ops} | {p50} | {p99} | {sum(x['errors'] for x in runs)} |")
PY
