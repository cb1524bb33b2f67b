#!/usr/bin/env bash
# Whole-process signing comparison: the fixture's 2-in/2-out transaction (signing/fixture.json) signed by
# python-bitcoinlib (OpenSSL and libsecp256k1 modes), bitcoinjs-lib (Psbt; P2WPKH and P2TR key path) and
# OPSource (the wallet's PSBT path and the raw TransactionSigner), each run in a fresh process with one
# warm-up round then timed rounds; single-threaded, then a batch on every core. The whole list runs REPEAT
# times in a row (A,B,A,B...) so that every implementation sees the same machine load. Prints a Markdown
# table (best and median tx/s over the runs), the ratios, the byte-identity checks and the load average.
#
#   bench/compare/signing.sh                      # TXS=2000 ROUNDS=5 REPEAT=2
#   TXS=4000 ROUNDS=5 REPEAT=3 bench/compare/signing.sh
#
# Peers: Debian's python3-bitcoinlib (signing/setup.sh, run first, installs it with the npm
# packages of signing/package-lock.json); PYBITCOINLIB=/path/to/python-bitcoinlib-source runs the Python
# driver on a source tree instead when the Debian package is absent (say so with the results).
# BEFORE=/path/to/another/build/OPSource.Benchmarks.dll (e.g. main's, copied aside) runs that build's OPSource rows
# too, each right after the same row of this build (A,B,A,B), labelled "(before)", for a before/after record.
set -euo pipefail
cd "$(dirname "$0")/../.."
TXS=${TXS:-2000}
ROUNDS=${ROUNDS:-5}
REPEAT=${REPEAT:-2}
CORES=$(nproc)
dir=bench/compare/signing
out=$(mktemp -d /tmp/opsource-signing.XXXXXX)
trap 'rm -rf "$out"' EXIT

dotnet build bench/OPSource.Benchmarks -c Release -v q -nologo >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 2; }
bench_dll=bench/OPSource.Benchmarks/bin/Release/net10.0/OPSource.Benchmarks.dll
bash "$dir/setup.sh"

py=(/usr/bin/python3)
if /usr/bin/python3 -c 'import bitcoin' 2>/dev/null; then
  pysrc="Debian python3-bitcoinlib $(dpkg-query -W -f='${Version}' python3-bitcoinlib 2>/dev/null || echo '?')"
elif [ -n "${PYBITCOINLIB:-}" ]; then
  py=(env "PYTHONPATH=$PYBITCOINLIB" /usr/bin/python3)
  pysrc="python-bitcoinlib source tree $PYBITCOINLIB"
else
  pysrc=""
  echo "signing.sh: python-bitcoinlib not found (apt-get install python3-bitcoinlib, or PYBITCOINLIB=source tree); its rows are skipped" >&2
fi

run() { "$@" >>"$out/results.jsonl"; }
ops() {
  run dotnet "$bench_dll" sign-compare "$@"
  if [ -n "${BEFORE:-}" ]; then
    dotnet "$BEFORE" sign-compare "$@" | sed 's/"impl":"\([^"]*\)"/"impl":"\1 (before)"/' >>"$out/results.jsonl"
  fi
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPEAT"); do
  for threads in 1 "$CORES"; do
    if [ -n "$pysrc" ]; then
      [ "$threads" = 1 ] && run "${py[@]}" "$dir/sign_bitcoinlib.py" --mode openssl --txs "$TXS" --rounds "$ROUNDS" --procs 1
      run "${py[@]}" "$dir/sign_bitcoinlib.py" --mode libsecp256k1 --txs "$TXS" --rounds "$ROUNDS" --procs "$threads"
    fi
    for kind in p2wpkh p2tr; do
      run node "$dir/sign_bitcoinjs.mjs" --kind "$kind" --txs "$TXS" --rounds "$ROUNDS" --threads "$threads"
      for path in psbt raw; do
        ops --fixture "$dir/fixture.json" --path "$path" --kind "$kind" --txs "$TXS" --rounds "$ROUNDS" --threads "$threads"
      done
    done
    if [ "$threads" = 1 ]; then ops --fixture "$dir/fixture.json" --path psbt --kind p2wpkh --txs "$TXS" --rounds "$ROUNDS" --threads 1 --wallet-defaults; fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 "$dir/summarize.py" "$out/results.jsonl" --python-source "${pysrc:-none}" --load "$load_before -> $load_after" --cores "$CORES"
