#!/usr/bin/env python3
"""Summarizes bench/compare/signing.sh's JSON lines: tx/s per implementation (best and median over the
runs, each run's own median round), the goal ratios, and whether the deterministic signers produced the
same bytes."""
import argparse
import json
import statistics
from collections import defaultdict

p = argparse.ArgumentParser()
p.add_argument("results")
p.add_argument("--python-source", default="none")
p.add_argument("--load", default="?")
p.add_argument("--cores", type=int, default=2)
a = p.parse_args()

runs = defaultdict(list)
first = {}
for line in open(a.results):
    r = json.loads(line)
    par = r.get("threads", r.get("procs", 1))
    key = (r["impl"], par)
    # A run's figure: its median round (the warm-up round is not in round_seconds).
    runs[key].append(r["txs"] / statistics.median(r["round_seconds"]))
    first.setdefault(r["impl"], r["first_tx"])

def rate(impl, par):
    v = runs.get((impl, par))
    return (max(v), statistics.median(v)) if v else None

print(f"load average {a.load}; python-bitcoinlib: {a.python_source}; {a.cores} cores")
print()
print("| Implementation | Parallel | tx/s best run | tx/s median run | runs |")
print("|---|---:|---:|---:|---:|")
for (impl, par), v in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    print(f"| {impl} | {par} | {max(v):,.0f} | {statistics.median(v):,.0f} | {len(v)} |")

print()
print("| Goal | Ratio (median runs) | Target | Met |")
print("|---|---:|---:|---|")
goals = [
    ("P2WPKH PSBT, 1 thread vs python-bitcoinlib libsecp256k1", ("OPSource psbt p2wpkh", 1), ("python-bitcoinlib libsecp256k1", 1), 1.0),
    ("P2WPKH PSBT, 1 thread vs python-bitcoinlib OpenSSL", ("OPSource psbt p2wpkh", 1), ("python-bitcoinlib openssl", 1), 10.0),
    ("P2WPKH raw, 1 thread vs python-bitcoinlib libsecp256k1", ("OPSource raw p2wpkh", 1), ("python-bitcoinlib libsecp256k1", 1), None),
    ("P2WPKH raw, 1 thread vs python-bitcoinlib OpenSSL", ("OPSource raw p2wpkh", 1), ("python-bitcoinlib openssl", 1), None),
    ("P2TR key path PSBT, 1 thread vs bitcoinjs-lib", ("OPSource psbt p2tr", 1), ("bitcoinjs-lib p2tr", 1), 10.0),
    ("P2WPKH PSBT, 1 thread vs bitcoinjs-lib", ("OPSource psbt p2wpkh", 1), ("bitcoinjs-lib p2wpkh", 1), None),
    (f"P2WPKH PSBT, batch on {a.cores} cores vs python-bitcoinlib libsecp256k1 on {a.cores} processes", ("OPSource psbt p2wpkh", a.cores), ("python-bitcoinlib libsecp256k1", a.cores), 1.8),
]
# With BEFORE=... (signing.sh), the same goals for the other build's rows, labelled "(before)".
if any(impl.endswith(" (before)") for impl, _ in runs):
    goals += [(name + " (before)", (ours[0] + " (before)", ours[1]), theirs, target) for name, ours, theirs, target in goals]
for name, ours, theirs, target in goals:
    o, t = rate(*ours), rate(*theirs)
    if not o or not t:
        print(f"| {name} | not measured | {target or '-'} | - |")
        continue
    ratio = o[1] / t[1]
    met = "-" if target is None else ("yes" if ratio >= target else "NO")
    print(f"| {name} | {ratio:.2f}x | {str(target) + 'x' if target else '-'} | {met} |")

print()
groups = [
    ("P2WPKH, RFC6979 without grinding", ["python-bitcoinlib libsecp256k1", "bitcoinjs-lib p2wpkh", "OPSource psbt p2wpkh", "OPSource raw p2wpkh", "OPSource psbt p2wpkh (before)", "OPSource raw p2wpkh (before)"]),
    ("P2TR key path, BIP340 with all-zero aux_rand", ["bitcoinjs-lib p2tr", "OPSource psbt p2tr", "OPSource raw p2tr", "OPSource psbt p2tr (before)", "OPSource raw p2tr (before)"]),
]
for name, impls in groups:
    present = [i for i in impls if i in first]
    same = len({first[i] for i in present}) == 1
    print(f"byte-identical signed transaction ({name}): {'yes' if same else 'NO'} across {', '.join(present)}")
