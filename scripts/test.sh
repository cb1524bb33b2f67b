#!/usr/bin/env bash
# Sets up (idempotently) and runs every test: unit tests and integration tests against real peers.
# Prints one closing line "N passed, N failed, N skipped" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

scripts/setup.sh
dotnet build OPSource.slnx -c Release --no-restore --verbosity quiet -nologo

# Peers: a private PostgreSQL cluster on 127.0.0.1 for the storage tests, stopped on any exit.
PG_DIR=""
cleanup() { [ -n "$PG_DIR" ] && scripts/peers/postgres.sh stop "$PG_DIR" || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "${OPSOURCE_TEST_POSTGRES:-}" ]; then
  pg=$(OPSOURCE_PG_OWNER=$$ scripts/peers/postgres.sh start)
  read -r PG_DIR PG_PORT <<<"$pg"
  export OPSOURCE_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"
fi

# The reference Bitcoin node: tests start private regtest nodes from these binaries (see
# tests/OPSource.TestSupport/Peers/BitcoinCoreNode.cs); under CI a missing node fails those tests.
if BITCOIND_PATH=$(scripts/peers/bitcoind.sh locate 2>/dev/null); then
  export BITCOIND="$BITCOIND_PATH" BITCOIN_CLI="$(dirname "$BITCOIND_PATH")/bitcoin-cli"
fi

RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
status=0
dotnet test OPSource.slnx -c Release --no-build --verbosity quiet \
  --logger "trx" --results-directory "$RESULTS" || status=$?

# Optional Native AOT smoke test (several minutes on 2 cores, so opt-in): OPSOURCE_TEST_AOT=1.
if [ "${OPSOURCE_TEST_AOT:-}" = "1" ]; then
  if scripts/publish-aot.sh >"$RESULTS/publish-aot.log" 2>&1 && publish/opsource --version >/dev/null; then
    echo "aot: publish/opsource built without trim/AOT warnings"
  else
    cat "$RESULTS/publish-aot.log" >&2; echo "aot: FAILED" >&2; status=1
  fi
fi

# Supply chain: known-vulnerable NuGet/npm packages (high/critical fail unless allow-listed with a reason).
scripts/supply-chain.sh >"$RESULTS/supply-chain.log" 2>&1 || { cat "$RESULTS/supply-chain.log" >&2; status=1; }
tail -1 "$RESULTS/supply-chain.log"

# One closing line for the whole run, summed over every test project's TRX file.
/usr/bin/python3 - "$RESULTS" <<'PY' || status=1
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
files = glob.glob(sys.argv[1] + "/*.trx")
for f in files:
    root = ET.parse(f).getroot()
    # Each failed test's name, message and the first lines of its stack, so a CI log says why.
    for r in root.findall(".//{*}UnitTestResult"):
        if r.get("outcome") != "Failed": continue
        msg = r.find(".//{*}ErrorInfo/{*}Message"); st = r.find(".//{*}ErrorInfo/{*}StackTrace")
        print(f"FAILED {r.get('testName')}", file=sys.stderr)
        for text, limit in ((msg, 20), (st, 8)):
            if text is not None and text.text:
                for line in text.text.strip().splitlines()[:limit]: print(f"    {line}", file=sys.stderr)
    c = root.find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if files and passed > 0 else 1)
PY
exit $status
