#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang++ with ASan + UBSan) into
# build-fuzz/ and runs each for a bounded time from its seed corpus.
#
#   bash scripts/fuzz.sh [TARGET...]      default: every tests/fuzz/fuzz_*.cc
#   KETENFLOW_FUZZ_SECONDS=N              seconds per target (default 30)
#   KETENFLOW_FUZZ_BUILD=DIR              build folder (default build-fuzz)
#   KETENFLOW_FUZZ_WORK=DIR               where grown corpora and crashes go
#                                         (default DIR/work; never the repository)
#
# Seeds are tests/fuzz/corpus/TARGET/, a dictionary tests/fuzz/TARGET.dict.
# A crash, leak, sanitizer report or an input running over 10 s fails the
# script; the input is kept as WORK/crashes/TARGET/crash-* (or timeout-*,
# leak-*, oom-*) and can be replayed with build-fuzz/fuzz/TARGET FILE. Per
# target one summary line: runs, execs/s, coverage, corpus size, peak memory.
set -euo pipefail
KETENFLOW_SETUP_BUILD=0 source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KETENFLOW_ROOT"

seconds="${KETENFLOW_FUZZ_SECONDS:-30}"
build="${KETENFLOW_FUZZ_BUILD:-$KETENFLOW_ROOT/build-fuzz}"
work="${KETENFLOW_FUZZ_WORK:-$build/work}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cc; do targets+=("$(basename "$f" .cc)"); done
fi

started=$(date +%s)
KETENFLOW_TARGETS=("${targets[@]}")
ketenflow_build "$build" -DCMAKE_CXX_COMPILER=clang++ -DKETENFLOW_FUZZ=ON
echo "fuzz: built ${#targets[@]} targets in $(($(date +%s) - started)) s"

failed=()
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 1; }
  mkdir -p "$work/corpus/$t" "$work/crashes/$t"
  log="$work/$t.log"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  # The grown corpus comes first: libFuzzer adds new inputs to the first folder.
  # A 32 MiB quarantine (not 256): the file decoders allocate a 1 MiB read
  # buffer per input, which a full quarantine makes 8x slower.
  if ! ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" "${dict[@]}" \
      "$work/corpus/$t" "$seeds" > "$log" 2>&1; then
    failed+=("$t")
    echo "fuzz: $t FAILED; log $log; inputs:" >&2
    ls "$work/crashes/$t" >&2
    grep -m1 -A20 "ERROR\|runtime error\|Timeout\|out-of-memory" "$log" >&2 || tail -40 "$log" >&2
    continue
  fi
  final_stat() { sed -n "s/^stat::$1: *//p" "$log"; }
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
  echo "fuzz: $t ok: ${seconds} s, $(final_stat number_of_executed_units) runs, $(final_stat average_exec_per_sec) execs/s," \
    "cov $cov, ft $ft, corpus $corpus (inputs/bytes)," \
    "peak RSS $(final_stat peak_rss_mb) MiB"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
