#!/usr/bin/env bash
# Sets up (idempotently) and runs every test: unit tests and integration tests against real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

scripts/setup.sh
dotnet build OPSource.slnx -c Release --no-restore --verbosity quiet -nologo

RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
status=0
dotnet test OPSource.slnx -c Release --no-build --verbosity quiet \
  --logger "trx" --results-directory "$RESULTS" || status=$?

# One closing line for the whole run, summed over every test project's TRX file.
/usr/bin/python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
