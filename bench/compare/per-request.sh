#!/usr/bin/env bash
# Server cost per request of OPSource builds, interleaved: CPU time (perf stat task-clock) and context switches of
# the server process per answered request, under the same wrk load as run.sh, on /api/v1/health, /api/v1/auth/whoami
# and a wallet balance. Context switches per request barely move with the machine's load; CPU time does.
#   bench/compare/per-request.sh DIR_A DIR_B ...     # directories holding an `opsource` (JIT build or AOT publish)
#   ROUNDS=3 DURATION=5s bench/compare/per-request.sh /tmp/before src/OPSource.Cli/bin/Release/net10.0
#   PIN=1 bench/compare/per-request.sh ...           # wrk (one thread) on the first CPU, the server on the others (taskset)
#   bench/compare/per-request.sh DIR DOTNET_TieredPGO=0,DOTNET_TC_CallCountThreshold=10@DIR   # a build with runtime settings
# The health check runs on every request (Server:HealthCheckReuseMilliseconds=0), as the FastAPI app's does.
set -euo pipefail
command -v perf >/dev/null || { echo "per-request: perf not found (linux-perf)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "per-request: wrk not found (bench/compare/setup.sh)" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 DIR..." >&2; exit 1; }
PORT=${PORT:-18494}
WORK=$(mktemp -d /tmp/opsource-per-request.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
printf 'bench-passphrase\n' >"$WORK/pass"
first_dir=${1##*@}
"$first_dir/opsource" wallet create bench --passphrase-file "$WORK/pass" --data-dir "$WORK/data" --network regtest >/dev/null 2>&1
key=$("$first_dir/opsource" apikey create --role viewer --scope wallet:bench --name bench --data-dir "$WORK/data" --network regtest --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
server_pin=(); load_pin=(); wrk_threads=2
if [ "${PIN:-0}" = 1 ]; then
  cpus=$(/usr/bin/python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
  read -r first rest <<<"$cpus"
  [ -n "$rest" ] || { echo "per-request: PIN=1 needs at least 2 CPUs" >&2; exit 1; }
  server_pin=(taskset -c "${rest// /,}"); load_pin=(taskset -c "$first"); wrk_threads=1
fi
echo "| Build | Round | Endpoint | req/s | server CPU µs/req | context switches/req |"
echo "|---|---:|---|---:|---:|---:|"
for round in $(seq "${ROUNDS:-2}"); do
  for build in "$@"; do
    # NAME=VALUE,...@DIR: the build in DIR run with those environment variables (e.g. runtime knobs).
    dir=${build##*@}; settings=()
    [ "$dir" != "$build" ] && IFS=, read -r -a settings <<<"${build%@*}"
    env "${settings[@]}" OPSOURCE_Server__RateLimitPerSecond=0 OPSOURCE_Server__AnonymousRateLimitPerSecond=0 OPSOURCE_Auth__TokenLifetimeMinutes=60 \
      OPSOURCE_Server__HealthCheckReuseMilliseconds=0 "${server_pin[@]}" "$dir/opsource" serve --data-dir "$WORK/data" --network regtest --urls "http://127.0.0.1:$PORT" >/dev/null 2>"$WORK/serve.err" &
    pid=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
    token=$(curl -s -XPOST -H 'Content-Type: application/json' -d "{\"api_key\":\"$key\"}" "http://127.0.0.1:$PORT/api/v1/auth/token" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    for endpoint in health whoami balance; do
      case $endpoint in
        health) path=/api/v1/health; auth=() ;;
        whoami) path=/api/v1/auth/whoami; auth=(-H "Authorization: Bearer $token") ;;
        balance) path=/api/v1/wallets/bench/balance; auth=(-H "Authorization: Bearer $token") ;;
      esac
      "${load_pin[@]}" wrk -t$wrk_threads -c64 -d"${WARMUP:-5s}" "${auth[@]}" "http://127.0.0.1:$PORT$path" >/dev/null
      perf stat -x, -e task-clock,context-switches -p "$pid" -o "$WORK/stat" &
      stat=$!
      sleep 0.2
      out=$("${load_pin[@]}" wrk -t$wrk_threads -c64 -d"${DURATION:-5s}" "${auth[@]}" "http://127.0.0.1:$PORT$path")
      kill -INT "$stat"; wait "$stat" || true
      requests=$(echo "$out" | grep -oE "^ *[0-9]+ requests in" | grep -oE "[0-9]+")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      cpu_ms=$(grep task-clock "$WORK/stat" | cut -d, -f1)
      switches=$(grep context-switches "$WORK/stat" | cut -d, -f1)
      /usr/bin/python3 -c "print('| $build | $round | $endpoint | %.0f | %.1f | %.2f |' % ($rps, $cpu_ms * 1000 / $requests, $switches / $requests))"
    done
    kill "$pid"; wait "$pid" || true
  done
done
