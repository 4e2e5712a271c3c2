#!/usr/bin/env bash
# Measures benchmark: ingest rate of the three chains' simulated events with the
# chain files as they are (all measures and goals) against the same chain files
# with `measures:` and `goals:` removed, same data, same binary, RUNS runs each
# (alternating, bare first). Reports events/s (wall clock) and CPU seconds
# (user + sys, all threads) of each run, the medians and their ratios; on a
# shared machine the CPU time is the steadier figure.
#
#   KF=build/ketenflow CLIENTS=30000 RUNS=1 bash bench/measures.sh   (≈1 M events)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KF="${KF:-$ROOT/build/ketenflow}"
CLIENTS="${CLIENTS:-30000}"
RUNS="${RUNS:-1}"
OUT="${OUT:-$ROOT/bench/out/measures}"
mkdir -p "$OUT/bare"

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$ROOT" rev-parse --short HEAD) (+ working tree)"

files=()
for chain in wonen-eerst detentie-terugkeer schulden-werk; do
  f="$OUT/$chain-$CLIENTS.pb"
  [ -f "$f" ] || "$KF" simulate --chain "$ROOT/chains/$chain.yaml" --clients "$CLIENTS" \
    --seed 42 --out "$f" --format pb 2> /dev/null
  files+=("$f")
  # The same chain without its measures and goals (they close the file).
  sed '/^measures:/,$d' "$ROOT/chains/$chain.yaml" > "$OUT/bare/$chain.yaml"
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run() {  # run LABEL CHAINS: appends to rates_LABEL / cpu_LABEL
  rm -rf "$OUT/store"
  /usr/bin/time -f "%e %U %S" -o "$OUT/time" \
    "$KF" ingest --quiet --data "$OUT/store" --chains "$2" "${files[@]}" > "$OUT/ingest.log"
  local events secs user sys
  events=$(sed -n 's/^total: accepted \([0-9]*\).*/\1/p' "$OUT/ingest.log")
  read -r secs user sys < "$OUT/time"
  rate=$(awk -v n="$events" -v s="$secs" 'BEGIN{printf "%d", n / s}')
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u + s}')
  echo "$1: $events events in $secs s, $rate events/s, CPU $cpu s"
}
rates_bare=(); cpu_bare=(); rates_with=(); cpu_with=()
for _ in $(seq "$RUNS"); do
  run "without measures" "$OUT/bare"; rates_bare+=("$rate"); cpu_bare+=("$cpu")
  run "with measures   " "$ROOT/chains"; rates_with+=("$rate"); cpu_with+=("$cpu")
done
rb=$(printf '%s\n' "${rates_bare[@]}" | median); rw=$(printf '%s\n' "${rates_with[@]}" | median)
cb=$(printf '%s\n' "${cpu_bare[@]}" | median); cw=$(printf '%s\n' "${cpu_with[@]}" | median)
echo "== median without: $rb events/s, CPU $cb s; with: $rw events/s, CPU $cw s"
echo "== rate with/without: $(awk -v a="$rw" -v b="$rb" 'BEGIN{printf "%.3f", a / b}'), CPU with/without: $(awk -v a="$cw" -v b="$cb" 'BEGIN{printf "%.3f", a / b}')"
rm -rf "$OUT/store"
