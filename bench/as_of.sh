#!/usr/bin/env bash
# As-of report benchmark (reproducible): a store of simulated Wonen Eerst
# events (the same files as bench/ingest.sh), then `ketenflow kpi --as-of NOW`
# — a replay of every stored event of the chain, the worst case — against the
# live `kpi` of the same store. Reports wall time and peak RSS of the whole
# command, and checks that the two reports agree (CSV, byte for byte).
#
#   bash bench/as_of.sh [CLIENTS...]      default: 100000 300000 (≈1 M and ≈3 M events)
#   RUNS=3 (as-of reports per size; medians are reported)
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
ketenflow_install_packages time

RUNS="${RUNS:-3}"
OUT="$KETENFLOW_ROOT/bench/out"
mkdir -p "$OUT"
kf="$KETENFLOW_BUILD/ketenflow"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 300000)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD)"

for clients in "${sizes[@]}"; do
  events_file="$OUT/wonen-eerst-$clients.pb"
  [ -f "$events_file" ] || "$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" \
    --clients "$clients" --seed 42 --out "$events_file" --format pb
  store="$OUT/as-of-store"
  rm -rf "$store"
  "$kf" ingest --quiet --data "$store" --chains "$KETENFLOW_ROOT/chains" "$events_file" \
    > "$OUT/as-of-ingest.log"
  events=$(sed -n 's/.*accepted \([0-9]*\).*/\1/p' "$OUT/as-of-ingest.log")
  now=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  "$kf" kpi --data "$store" --chain wonen-eerst --format csv > "$OUT/live.csv"
  secs=(); rss=()
  for run in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/as-of.time" "$kf" kpi --data "$store" --chain wonen-eerst \
      --format csv --as-of "$now" > "$OUT/as-of.csv"
    read -r s kb < "$OUT/as-of.time"
    secs+=("$s"); rss+=("$((kb / 1024))")
    cmp -s "$OUT/live.csv" "$OUT/as-of.csv" || { echo "as-of report differs from live" >&2; exit 1; }
    echo "run $run: $events events, as-of report ${s} s, peak RSS ${rss[-1]} MiB"
  done
  /usr/bin/time -f "%e %M" -o "$OUT/as-of.time" "$kf" kpi --data "$store" --chain wonen-eerst \
    --format csv > /dev/null
  read -r live_s live_kb < "$OUT/as-of.time"
  s=$(printf '%s\n' "${secs[@]}" | median)
  echo "== $events events: as-of report median $s s ($(awk -v e="$events" -v s="$s" 'BEGIN{printf "%d", e/s}') events/s), peak RSS $(printf '%s\n' "${rss[@]}" | median) MiB; live kpi ${live_s} s, $((live_kb / 1024)) MiB"
done
rm -rf "$OUT/as-of-store" "$OUT/live.csv" "$OUT/as-of.csv" "$OUT/as-of.time"
