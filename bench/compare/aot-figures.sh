#!/usr/bin/env bash
# Native AOT figures of an already published binary (scripts/publish-aot.sh): file size, startup to the first 200 of
# GET /api/v1/health (from the spawn, a fresh data dir each run), RSS 5 s after that first 200 (idle), and a check that
# whether /openapi/v1.json answers. No load generator: bench/compare/run.sh does the throughput comparison.
#   bench/compare/aot-figures.sh                 # publish/opsource, 5 runs
#   BIN=/tmp/aot/opsource RUNS=10 bench/compare/aot-figures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-publish/opsource}
RUNS=${RUNS:-5}
PORT=${PORT:-18490}
[ -x "$BIN" ] || { echo "aot-figures: $BIN not found (run scripts/publish-aot.sh)" >&2; exit 1; }
/usr/bin/python3 - "$BIN" "$RUNS" "$PORT" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request
binary, runs, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, r.read()
    except Exception:
        return None, b""
startups, rss = [], []
for _ in range(runs):
    data = tempfile.mkdtemp(prefix="opsource-aot-fig.")
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "serve", "--data-dir", data, "--network", "regtest", "--urls", f"http://127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while get("/api/v1/health")[0] != 200:
            if p.poll() is not None or time.monotonic() - t0 > 60:
                sys.exit(f"aot-figures: serve did not answer /api/v1/health (exit {p.poll()})")
            time.sleep(0.005)
        startups.append((time.monotonic() - t0) * 1000)
        time.sleep(5)
        with open(f"/proc/{p.pid}/status") as f:
            rss.append(next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024)
        status, body = get("/openapi/v1.json")
        openapi = "200 with an OpenAPI document" if status == 200 and b'"openapi"' in body else f"FAILED ({status or 'error'})"
    finally:
        p.terminate(); p.wait(20); shutil.rmtree(data, ignore_errors=True)
size = os.path.getsize(binary) / (1024 * 1024)
print(f"binary {binary}: {size:.1f} MiB")
print(f"startup to first 200 (/api/v1/health), {runs} runs: median {statistics.median(startups):.0f} ms (min {min(startups):.0f}, max {max(startups):.0f})")
print(f"RSS 5 s after the first 200: median {statistics.median(rss):.1f} MiB (min {min(rss):.1f}, max {max(rss):.1f})")
print(f"openapi: /openapi/v1.json answered {openapi}")
PY
