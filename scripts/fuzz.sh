#!/usr/bin/env bash
# Runs one fuzz target (docs/fuzzing.md): scripts/fuzz.sh TARGET [SECONDS|-runs=N] [--engine afl|inprocess]
#   scripts/fuzz.sh list                      the targets and their oracles
#   scripts/fuzz.sh TARGET --repro FILE...    re-run saved inputs (crash reproduction)
# AFL++ (Debian afl++, installed on first use) drives SharpFuzz-instrumented copies of OPSource.Bitcoin
# and OPSource.Crypto; without afl-fuzz, or with --engine inprocess, the in-process mutation engine runs.
# Work files (build, seeds, AFL state, crashes) live in fuzz/work/ (git-ignored). Long campaigns on a
# shared machine: nice -n 19 scripts/fuzz.sh TARGET -runs=1000000. Exit 1 when a crash was found.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK="$ROOT/fuzz/work"
BIN="$WORK/bin"

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
TARGET=$1; shift
BUDGET=""; ENGINE=""; REPRO=()
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINE=${2:-}; shift 2 ;;
    --repro) shift; REPRO=("$@"); break ;;
    -runs=*|[0-9]*) BUDGET=$1; shift ;;
    *) usage ;;
  esac
done

# A private build: instrumentation rewrites the library DLLs in place, so never the normal bin/.
# OPSOURCE_FUZZ_NO_BUILD=1 reuses the last build (campaigns running target after target).
mkdir -p "$WORK"
if [ "${OPSOURCE_FUZZ_NO_BUILD:-}" != "1" ] || [ ! -f "$BIN/OPSource.Fuzz.dll" ]; then
  dotnet build fuzz/OPSource.Fuzz -c Release -o "$BIN" --verbosity quiet -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 2; }
fi
FUZZ=(dotnet "$BIN/OPSource.Fuzz.dll")

if [ "$TARGET" = "list" ]; then "${FUZZ[@]}" list; exit 0; fi
if [ ${#REPRO[@]} -gt 0 ]; then exec "${FUZZ[@]}" repro "$TARGET" "${REPRO[@]}"; fi

SEEDS="$WORK/seeds/$TARGET"
rm -rf "$SEEDS"; "${FUZZ[@]}" seeds "$TARGET" "$SEEDS"

if [ -z "$ENGINE" ]; then
  ENGINE=afl
  if ! command -v afl-fuzz >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq afl++ >/dev/null; } 2>/dev/null || ENGINE=inprocess
  fi
fi

if [ "$ENGINE" = "inprocess" ]; then
  ARGS=()
  case "$BUDGET" in -runs=*) ARGS+=("$BUDGET") ;; "") ARGS+=("-seconds=60") ;; *) ARGS+=("-seconds=$BUDGET") ;; esac
  exec "${FUZZ[@]}" run "$TARGET" "${ARGS[@]}" -artifacts="$WORK/crashes/$TARGET"
fi

"${FUZZ[@]}" instrument "$BIN"
OUT="$WORK/afl/$TARGET"
mkdir -p "$OUT"
LIMIT=()
case "$BUDGET" in -runs=*) LIMIT=(-E "${BUDGET#-runs=}") ;; "") LIMIT=(-V 60) ;; *) LIMIT=(-V "$BUDGET") ;; esac
# The harness is a .NET process (not a compiled AFL binary): skip the binary check; a persistent
# in-process loop (SharpFuzz's fork server) needs a generous start-up timeout on a loaded machine.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
  AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 AFL_FORKSRV_INIT_TMOUT=120000 AFL_QUIET=1
afl-fuzz -i "$SEEDS" -o "$OUT" -t 10000 -m none "${LIMIT[@]}" -- "${FUZZ[@]}" afl "$TARGET" >"$WORK/afl-$TARGET.log" 2>&1 || {
  tail -20 "$WORK/afl-$TARGET.log" >&2
  # A harness process that dies outside .NET (a native crash in a P/Invoke oracle, the OOM killer) is no saved crash.
  if grep -q 'Unable to communicate with fork server' "$WORK/afl-$TARGET.log"; then
    echo "error: the $TARGET process died outside .NET after $(awk -F' *: *' '$1=="execs_done" {print $2}' "$OUT/default/fuzzer_stats" 2>/dev/null || echo '?') executions; the kernel log names the faulting library:" >&2
    dmesg 2>/dev/null | grep -E 'segfault|Out of memory|Killed process' | tail -3 >&2 || true
  fi
  exit 2; }

STATS="$OUT/default/fuzzer_stats"
stat() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$STATS"; }
CRASHES=$(find "$OUT/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "$TARGET: $(stat execs_done) executions (this run and earlier runs in $OUT), $(stat execs_per_sec)/s, corpus $(stat corpus_count), crashes $CRASHES, hangs $(stat saved_hangs)"
if [ "$CRASHES" -gt 0 ]; then
  echo "crashing inputs (reproduce with scripts/fuzz.sh $TARGET --repro FILE):"
  find "$OUT/default/crashes" -type f -name 'id:*'
  exit 1
fi
