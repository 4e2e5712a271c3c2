#!/usr/bin/env bash
# Ingest benchmark (reproducible): simulated Wonen Eerst events in pb format,
# ingested by one `ketenflow ingest` thread with the WAL on; reports events/s,
# peak RSS, store size, a full-period `kpi` query, and `db_bench fillrandom`
# (batch 100) on the same disk in the same run as the storage baseline.
#
#   bash bench/ingest.sh [CLIENTS...]     default: 100000 1000000 (≈1 M and ≈10 M events)
#   RUNS=3 (runs per size; medians are reported)
#   BASELINE="/path/to/ketenflow ..." (optional): other builds of the engine,
#     each run alternately with this one on the same events, for same-run ratios
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
ketenflow_install_packages rocksdb-tools time

RUNS="${RUNS:-3}"
OUT="$KETENFLOW_ROOT/bench/out"
mkdir -p "$OUT"
kf="$KETENFLOW_BUILD/ketenflow"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD)"

# Storage baseline: random puts in batches of 100, WAL on, same key/value scale.
rm -rf "$OUT/db_bench"
dbb=$(db_bench --benchmarks=fillrandom --num=2000000 --batch_size=100 --key_size=32 \
  --value_size=100 --compression_type=lz4 --db="$OUT/db_bench" 2>/dev/null |
  awk '/^fillrandom/{print $5}')
rm -rf "$OUT/db_bench"
echo "db_bench fillrandom (batch 100, 2 M keys): $dbb puts/s"

# ingest_with BINARY: a fresh store from $events_file; sets events, kb (peak
# RSS) and rate_of_run.
ingest_with() {
  rm -rf "$OUT/store"
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$1" ingest --quiet --data "$OUT/store" \
    --chains "$KETENFLOW_ROOT/chains" "$events_file" > "$OUT/ingest.log"
  events=$(sed -n 's/.*accepted \([0-9]*\).*/\1/p' "$OUT/ingest.log")
  local secs
  read -r secs kb < "$OUT/time"
  rate_of_run=$(awk -v e="$events" -v s="$secs" 'BEGIN{printf "%d", e/s}')
}

for clients in "${sizes[@]}"; do
  events_file="$OUT/wonen-eerst-$clients.pb"
  [ -f "$events_file" ] || "$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" \
    --clients "$clients" --seed 42 --out "$events_file" --format pb
  rates=(); rss=(); sizes_mb=(); queries=(); declare -A base_rates=()
  for run in $(seq "$RUNS"); do
    for base in ${BASELINE:-}; do
      ingest_with "$base"
      base_rates[$base]+="$rate_of_run "
      echo "run $run: baseline $base: $events events, $rate_of_run events/s, peak RSS $((kb / 1024)) MiB"
    done
    ingest_with "$kf"
    rates+=("$rate_of_run")
    rss+=("$((kb / 1024))")
    sizes_mb+=("$(du -sm "$OUT/store" | cut -f1)")
    # Full-period KPI query: best of 5 (first one warms the page cache).
    best=999999
    for _ in 1 2 3 4 5; do
      s=$(date +%s%N)
      "$kf" kpi --data "$OUT/store" --chain wonen-eerst --format json > /dev/null
      ms=$(( ($(date +%s%N) - s) / 1000000 ))
      [ "$ms" -lt "$best" ] && best=$ms
    done
    queries+=("$best")
    echo "run $run: $events events, ${rates[-1]} events/s, peak RSS ${rss[-1]} MiB, store ${sizes_mb[-1]} MiB, kpi query ${best} ms"
  done
  rate=$(printf '%s\n' "${rates[@]}" | median)
  echo "== $events events: median $rate events/s ($(awk -v r="$rate" -v d="$dbb" 'BEGIN{printf "%.2f", r/d}') x db_bench), peak RSS $(printf '%s\n' "${rss[@]}" | median) MiB, store $(printf '%s\n' "${sizes_mb[@]}" | median) MiB, kpi query $(printf '%s\n' "${queries[@]}" | median) ms"
  for base in ${BASELINE:-}; do
    median_base=$(printf '%s\n' ${base_rates[$base]} | median)
    echo "== baseline $base: median $median_base events/s; this build $(awk -v r="$rate" -v b="$median_base" 'BEGIN{printf "%.2f", r/b}') x baseline"
  done
  unset base_rates
done
rm -rf "$OUT/store"
