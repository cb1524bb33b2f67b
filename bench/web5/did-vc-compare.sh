#!/usr/bin/env bash
# DID resolution and VC-JWT verification per second: OPSource (BenchmarkDotNet, bench/OPSource.Benchmarks/Web5Benchmarks.cs,
# in-process, one operation per invocation) side by side with the reference libraries (@web5/dids 1.2.0 and
# @web5/credentials 1.1.3 on Node, tests/peers/web5/interop.mjs bench: the same operations, each run sequentially for
# SECONDS after a warm-up) in the same run. Needs the web5 npm peers (scripts/setup.d/20-web5.sh).
#   bench/web5/did-vc-compare.sh                 # BenchmarkDotNet --job short, 3 s per reference operation
#   SECONDS_PER_OP=5 JOB=medium bench/web5/did-vc-compare.sh
# Output: a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/opsource-web5-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*Web5Benchmarks*' --job "${JOB:-short}" --inProcess \
  --exporters json --artifacts "$work/bdn" >"$work/bdn.log" 2>&1 || { tail -30 "$work/bdn.log" >&2; exit 1; }
(cd tests/peers/web5 && node interop.mjs bench "${SECONDS_PER_OP:-3}") >"$work/reference.json"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
report = json.load(open(glob.glob(f"{work}/bdn/results/*Web5Benchmarks*-report-full*.json")[0]))
ours = {b["Method"]: 1e9 / b["Statistics"]["Mean"] for b in report["Benchmarks"]}
theirs = json.load(open(f"{work}/reference.json"))
print("| Operation | OPSource ops/s | @web5 (Node) ops/s | OPSource / @web5 |")
print("|---|---:|---:|---:|")
for name, ops in ours.items():
    ref = theirs.get(name)
    print(f"| {name} | {ops:,.0f} | {ref:,.0f} | {ops / ref:.1f}x |" if ref else f"| {name} | {ops:,.0f} | (no reference operation) | |")
PY
