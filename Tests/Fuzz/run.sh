#!/bin/sh
# Builds the fuzz targets (libFuzzer + AddressSanitizer) and runs each for SECONDS, two at a
# time; prints executions, coverage and findings per target, and fails on any finding.
#
#   Tests/Fuzz/run.sh SECONDS [TARGET ...]      (make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="..."])
#
# New inputs that reach new code are kept in .build/fuzz/runs/TARGET/corpus (the seed corpus,
# Tests/Fuzz/Corpus/TARGET, is only read); a crash, a hang over 10 s or an input using over
# 2 GB is written to .build/fuzz/runs/TARGET/artifacts/ and reproduced by
#   SWIFT_BACKTRACE=enable=no .build/fuzz/release/tandem-fuzz TARGET FILE
set -eu
SECONDS_EACH=${1:?usage: run.sh SECONDS [TARGET ...]}
shift
TARGETS=${*:-krs checkins org policy scenario model}
SWIFT=${SWIFT:-swift}
JOBS=${FUZZ_JOBS:-$(nproc)}
ROOT=$(pwd)
OUT=$ROOT/.build/fuzz/runs

# SwiftPM links with gold, which fails on sanitizer objects here; the toolchain's lld does not.
TOOLCHAIN_BIN=$(dirname "$(readlink -f "$(command -v "$SWIFT")")")
mkdir -p .build/fuzz
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s/ld.lld" } }\n' "$TOOLCHAIN_BIN" > .build/fuzz/toolset.json
echo "building the fuzz targets (release, -sanitize=fuzzer,address; a few minutes the first time)"
TANDEM_FUZZ=1 "$SWIFT" build -c release --product tandem-fuzz --build-path .build/fuzz --toolset .build/fuzz/toolset.json \
  -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address 2>&1 | grep -E "error|Compiling tandem|complete" || true
BIN=$ROOT/.build/fuzz/release/tandem-fuzz
[ -x "$BIN" ] || { echo "error: the fuzz build failed (run the swift build line above by hand to see why)"; exit 1; }

run_one() {
  t=$1
  mkdir -p "$OUT/$t/corpus" "$OUT/$t/artifacts"
  # Swift's backtracer would catch a crash before libFuzzer writes it; Swift's runtime keeps
  # caches alive to the end, which LeakSanitizer would report as leaks.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$BIN" "$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/$t/artifacts/" \
    "$OUT/$t/corpus" "$ROOT/Tests/Fuzz/Corpus/$t" > "$OUT/$t/log" 2>&1 || true
}
echo "fuzzing $(echo $TARGETS | wc -w) targets for ${SECONDS_EACH}s each, $JOBS at a time"
running=0
for t in $TARGETS; do
  run_one "$t" &
  running=$((running + 1))
  # Every target runs as long: batches of JOBS keep the cores busy.
  if [ "$running" -ge "$JOBS" ]; then wait; running=0; fi
done
wait

status=0
printf '%-9s %14s %9s %9s %9s %10s  %s\n' target executions exec/s coverage features "peak RSS" findings
for t in $TARGETS; do
  log="$OUT/$t/log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  findings=$(ls "$OUT/$t/artifacts" | wc -l)
  rate=$(awk -v e="${execs:-0}" -v s="$SECONDS_EACH" 'BEGIN { printf "%d", e / s }')
  printf '%-9s %14s %9s %9s %9s %7s MB  %s\n' "$t" "${execs:-?}" "$rate" "${cov:-?}" "${ft:-?}" "${rss:-?}" "$findings"
  if [ "$findings" -gt 0 ] || [ -z "$execs" ]; then
    status=1
    echo "  $t: see $log and $OUT/$t/artifacts/"
  fi
done
exit $status
