#!/usr/bin/env bash
# Supply-chain check (run by scripts/test.sh, so by CI): known-vulnerable packages.
#   - NuGet: `dotnet list package --vulnerable --include-transitive` over the whole solution;
#   - npm:   `npm audit --omit=dev` in every directory under tests/peers and bench with a committed package-lock.json.
# Fails (exit 1) on any high or critical advisory that scripts/supply-chain-allowlist.txt does not accept
# (each accepted advisory needs a reason there). Moderate/low advisories are listed, not fatal.
# When an advisory service cannot be reached (the npm registry here answers the bulk advisory endpoint
# with 405), the check says so and passes that part, unless OPSOURCE_SUPPLY_CHAIN_STRICT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "supply-chain: dotnet list package --vulnerable --include-transitive" >&2
if ! dotnet list OPSource.slnx package --vulnerable --include-transitive --format json >"$OUT/nuget.json" 2>"$OUT/nuget.err"; then
  echo "nuget-unavailable" >"$OUT/nuget.status"
  head -5 "$OUT/nuget.err" >&2 || true
fi

i=0
while IFS= read -r lock; do
  dir=$(dirname "$lock")
  i=$((i + 1))
  echo "supply-chain: npm audit --omit=dev in $dir" >&2
  printf '%s\n' "$dir" >"$OUT/npm-$i.dir"
  # npm audit exits non-zero when it finds advisories; the JSON says what happened.
  (cd "$dir" && npm audit --omit=dev --json >"$OUT/npm-$i.json" 2>"$OUT/npm-$i.err") || true
done < <(git ls-files -- 'tests/peers/**/package-lock.json' 'bench/**/package-lock.json' | grep -v node_modules || true)

/usr/bin/python3 - "$OUT" "$ROOT/scripts/supply-chain-allowlist.txt" "${OPSOURCE_SUPPLY_CHAIN_STRICT:-0}" <<'PY'
import glob, json, os, re, sys
out, allow_file, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
allowed, problems = {}, []
if os.path.exists(allow_file):
    for n, line in enumerate(open(allow_file), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[2]:
            problems.append(f"{allow_file}:{n}: expected 'ADVISORY | PACKAGE | REASON' with a reason")
            continue
        allowed[(parts[0].lower(), parts[1].lower())] = parts[2]

findings, unavailable = [], []

def advisory_id(url):
    m = re.search(r"(GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})", url or "", re.I)
    return (m.group(1) if m else (url or "?")).lower()

# NuGet
if os.path.exists(os.path.join(out, "nuget.status")):
    unavailable.append("nuget: dotnet list package --vulnerable failed")
else:
    try:
        doc = json.load(open(os.path.join(out, "nuget.json")))
        for project in doc.get("projects", []):
            for fw in project.get("frameworks", []):
                for pkg in fw.get("topLevelPackages", []) + fw.get("transitivePackages", []):
                    for v in pkg.get("vulnerabilities", []):
                        findings.append(("nuget", pkg["id"], pkg.get("resolvedVersion", "?"), v.get("severity", "?").lower(), advisory_id(v.get("advisoryurl")), os.path.relpath(project["path"])))
    except (ValueError, KeyError) as e:
        unavailable.append(f"nuget: unreadable output ({e})")

# npm
for path in sorted(glob.glob(os.path.join(out, "npm-*.json"))):
    where = open(path[:-5] + ".dir").read().strip()
    try:
        doc = json.load(open(path))
    except ValueError:
        unavailable.append(f"npm audit in {where}: no JSON output")
        continue
    if "error" in doc or ("message" in doc and "vulnerabilities" not in doc):
        msg = doc.get("error", {}).get("summary") if isinstance(doc.get("error"), dict) else None
        unavailable.append(f"npm audit in {where}: advisory service unavailable ({msg or doc.get('message', 'error')})")
        continue
    for name, vuln in doc.get("vulnerabilities", {}).items():
        for via in vuln.get("via", []):
            if isinstance(via, dict):
                findings.append(("npm", name, vuln.get("range", "?"), via.get("severity", vuln.get("severity", "?")).lower(), advisory_id(via.get("url")), where))

fatal = []
for eco, pkg, ver, sev, adv, where in sorted(set(findings)):
    reason = allowed.get((adv, pkg.lower()))
    tag = "allowed: " + reason if reason else ("FAIL" if sev in ("high", "critical") else "note")
    print(f"{eco} {pkg} {ver} {sev} {adv} ({where}) -> {tag}")
    if sev in ("high", "critical") and not reason:
        fatal.append(pkg)
for u in unavailable:
    print(("FAIL: " if strict else "warning: ") + u)
for p in problems:
    print("FAIL: " + p)
if fatal or problems or (strict and unavailable):
    print(f"supply-chain: FAILED ({len(fatal)} unaccepted high/critical advisories)")
    sys.exit(1)
print(f"supply-chain: ok ({len(findings)} advisories, none unaccepted high/critical" + (f"; {len(unavailable)} source(s) unavailable" if unavailable else "") + ")")
PY
