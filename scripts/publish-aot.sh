#!/usr/bin/env bash
# Publishes `opsource` as a Native AOT binary in publish/ and fails on any trim/AOT warning.
#   scripts/publish-aot.sh            -> publish/opsource (linux-x64)
#   RID=linux-arm64 scripts/publish-aot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RID=${RID:-linux-x64}
OUT=${OUT:-publish}

# Native AOT links with clang and zlib, and SQLite statically from libsqlite3-dev's libsqlite3.a
# (all installed by setup.sh; see OPSource.Cli.csproj).
command -v clang >/dev/null || { echo "publish-aot: clang not found (run scripts/setup.sh)" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# A publish from before SQLite was linked statically left libe_sqlite3.so here; it must not linger.
rm -f "$OUT"/libe_sqlite3.so
dotnet publish src/OPSource.Cli -c Release -r "$RID" -p:PublishAot=true -o "$OUT" -nologo \
  -p:TreatWarningsAsErrors=true -warnaserror >"$log" 2>&1 || status=$?
# Trim (IL2xxx) and AOT (IL3xxx) analysis warnings must not exist, even ones the SDK does not promote.
if grep -E "warning IL[23][0-9]{3}|error IL[23][0-9]{3}" "$log" >&2; then
  echo "publish-aot: trim/AOT warnings found (listed above)" >&2
  exit 1
fi
if [ $status -ne 0 ]; then
  tail -40 "$log" >&2
  exit $status
fi
# Keep what runs: the single binary (SQLite linked in) and the optional built-in appsettings.json, plus
# opsource.dbg (native debug symbols). Managed symbols/docs of the class libraries are not needed at run time.
rm -f "$OUT"/*.pdb "$OUT"/*.xml
ls -l "$OUT"
# The binary must not depend on a shared SQLite library.
if ldd "$OUT/opsource" 2>/dev/null | grep -i sqlite >&2; then
  echo "publish-aot: $OUT/opsource still links a shared SQLite library" >&2
  exit 1
fi
"$OUT/opsource" --version

# ML training (ML.NET) needs the JIT, so the AOT binary does not contain it (`opsource ml train` there names this
# build): the framework-dependent build goes to $OUT/jit/ (run it as $OUT/jit/opsource ml train ...). SKIP_JIT=1 skips it.
if [ "${SKIP_JIT:-0}" != 1 ]; then
  dotnet publish src/OPSource.Cli -c Release -o "$OUT/jit" -nologo >"$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
  rm -f "$OUT"/jit/*.pdb
  "$OUT/jit/opsource" --version >/dev/null
fi
