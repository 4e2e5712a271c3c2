#!/usr/bin/env bash
# XES import benchmark (reproducible): a ≈250 000-event log made by
# `ketenflow simulate` (Wonen Eerst, seed 42, pb) + `ingest` + `export --format
# xes`, imported by one `ketenflow ingest` into a fresh store RUNS times.
# In the same run: the simulated pb file (the same events) ingested the same
# way (the store pipeline without XES parsing), and `xes_read` (bench/xes_read.cc),
# which only parses the log (plain and gzipped) with the engine's XesReader.
#
#   bash bench/xes.sh [CLIENTS]     default 25000 (≈250 000 events)
#   RUNS=3 (runs; medians are reported)
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow xes_read)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

RUNS="${RUNS:-3}"
CLIENTS="${1:-25000}"
OUT="$KETENFLOW_ROOT/bench/out/xes"
mkdir -p "$OUT"
kf="$KETENFLOW_BUILD/ketenflow"
chains="$KETENFLOW_ROOT/chains/wonen-eerst.yaml"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
rate() { sed -n 's/.* \([0-9]*\) records\/s.*/\1/p' "$1"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD)"

pb="$OUT/wonen-eerst-$CLIENTS.pb"
xes="$OUT/wonen-eerst-$CLIENTS.xes"
if [ ! -f "$xes" ] || [ ! -f "$pb" ]; then
  "$kf" simulate --chain "$chains" --clients "$CLIENTS" --seed 42 --out "$pb" --format pb
  rm -rf "$OUT/source"
  "$kf" ingest --quiet --data "$OUT/source" --chains "$chains" "$pb" > /dev/null
  "$kf" export --data "$OUT/source" --chain wonen-eerst --format xes --output "$xes"
  rm -rf "$OUT/source"
fi
events=$(grep -c '<event>' "$xes")
echo "log: $events events, XES $(du -m "$xes" | cut -f1) MiB, pb $(du -m "$pb" | cut -f1) MiB"

[ -f "$xes.gz" ] || gzip -kf "$xes"
xes_rates=(); pb_rates=(); read_rates=(); gz_rates=()
for run in $(seq "$RUNS"); do
  rm -rf "$OUT/store"
  "$kf" ingest --quiet --data "$OUT/store" --chains "$chains" --chain wonen-eerst "$xes" > "$OUT/xes.log"
  xes_rates+=("$(rate "$OUT/xes.log")")
  rm -rf "$OUT/store"
  "$kf" ingest --quiet --data "$OUT/store" --chains "$chains" "$pb" > "$OUT/pb.log"
  pb_rates+=("$(rate "$OUT/pb.log")")
  read_rates+=("$("$KETENFLOW_BUILD/xes_read" "$xes" | sed 's/.*: \([0-9]*\) events.*/\1/')")
  gz_rates+=("$("$KETENFLOW_BUILD/xes_read" "$xes.gz" | sed 's/.*: \([0-9]*\) events.*/\1/')")
  echo "run $run: parse only ${read_rates[-1]} events/s (gz ${gz_rates[-1]}), xes ingest ${xes_rates[-1]} events/s ($(cut -d: -f2- "$OUT/xes.log" | cut -d' ' -f2-7)), pb ${pb_rates[-1]} events/s"
done
rm -rf "$OUT/store"
med() { printf '%s\n' "$@" | median; }
echo "== $events events, medians: XES import $(med "${xes_rates[@]}") events/s; pb ingest of the same events $(med "${pb_rates[@]}") events/s; XES parse only $(med "${read_rates[@]}") events/s, .xes.gz $(med "${gz_rates[@]}") events/s"
