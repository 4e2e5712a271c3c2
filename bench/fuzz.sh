#!/usr/bin/env bash
# Long fuzzing run: every decoder's libFuzzer target (tests/fuzz/) for SECONDS
# each (default 600), one after the other, corpora grown under bench/out/fuzz
# (kept between runs, so a rerun continues where the last one stopped).
# Prints scripts/fuzz.sh's summary line per target (runs, execs/s, coverage,
# corpus, peak RSS); figures are in bench/README.md "Fuzzing".
#
#   bash bench/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-600}"
shift || true
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$ROOT" rev-parse --short HEAD) (+ working tree)"
KETENFLOW_FUZZ_SECONDS="$SECONDS_PER_TARGET" KETENFLOW_FUZZ_WORK="$ROOT/bench/out/fuzz" \
  bash "$ROOT/scripts/fuzz.sh" "$@"
