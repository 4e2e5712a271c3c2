#!/usr/bin/env bash
# Kafka benchmark (issue 3), all in one run on one machine and one local broker:
#  (a) raw librdkafka consumption of a topic holding ~2 M simulated events
#      (bench/kafka_tool.cc: a minimal consumer that only counts),
#  (b) `ketenflow serve` draining the same topic into RocksDB with KPIs,
#  (c) produce-to-stored latency (p50, p99) at a steady 10 000 events/s.
#
#   RUNS=3 bash bench/kafka.sh [CLIENTS]     default 200000 clients (≈2 M events)
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow kafka_tool)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

RUNS="${RUNS:-3}"
clients="${1:-200000}"
OUT="$KETENFLOW_ROOT/bench/out"
kf="$KETENFLOW_BUILD/ketenflow"
tool="$KETENFLOW_BUILD/kafka_tool"
kafka="$KETENFLOW_ROOT/deploy/kafka/kafka.sh"
mkdir -p "$OUT"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
consumed() {
  "$kf" status --data "$1" --format json 2>/dev/null |
    sed -n 's/.*"accepted":\([0-9]*\),"duplicates":\([0-9]*\),"rejected":\([0-9]*\).*/\1 \2 \3/p' |
    awk '{print $1+$2+$3}'
}
now() { date +%s.%N; }

"$kafka" stop "$OUT/kafka" >/dev/null 2>&1 || true
rm -rf "$OUT/kafka"
brokers=$("$kafka" start "$OUT/kafka")
trap '"$kafka" stop "$OUT/kafka" >/dev/null 2>&1 || true' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p'); commit $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD)"

events_file="$OUT/wonen-eerst-$clients.pb"
[ -f "$events_file" ] || "$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" \
  --clients "$clients" --seed 42 --out "$events_file" --format pb
"$kf" topics create --brokers "$brokers" --topic bench.events --partitions 3 >/dev/null
total=$("$tool" produce --brokers "$brokers" --topic bench.events --file "$events_file" \
  --rate 1e9 | awk '{print $2}')
echo "topic bench.events (3 partitions): $total events"

raw=(); served=()
for run in $(seq "$RUNS"); do
  r=$("$tool" consume --brokers "$brokers" --topic bench.events --count "$total" |
    awk '{print $(NF-1)}')
  raw+=("$r")
  rm -rf "$OUT/serve-store"
  "$kf" serve --data "$OUT/serve-store" --chains "$KETENFLOW_ROOT/chains" --brokers "$brokers" \
    --topic bench.events --group "bench-$run-$$" > "$OUT/serve.log" 2>&1 &
  pid=$!
  # Timed from the first stored batch, as the raw consumer times from its first message.
  until [ "$(consumed "$OUT/serve-store")" -gt 0 ] 2>/dev/null; do sleep 0.1; done
  start=$(now)
  until [ "$(consumed "$OUT/serve-store")" -ge "$total" ] 2>/dev/null; do sleep 0.2; done
  s=$(awk -v a="$start" -v b="$(now)" 'BEGIN{print b-a}')
  kill -TERM "$pid"; wait "$pid"
  served+=("$(awk -v n="$total" -v s="$s" 'BEGIN{printf "%d", n/s}')")
  echo "run $run: raw consumer ${raw[-1]} events/s, serve ${served[-1]} events/s"
done
rawm=$(printf '%s\n' "${raw[@]}" | median)
servedm=$(printf '%s\n' "${served[@]}" | median)
echo "== drain: raw $rawm events/s, serve $servedm events/s, ratio $(awk -v a="$servedm" -v b="$rawm" 'BEGIN{printf "%.2f", a/b}')"

# (c) latency at a steady 10 000 events/s over 60 s, the engine already caught up.
lat_events="$OUT/wonen-eerst-latency.pb"
[ -f "$lat_events" ] || "$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" \
  --clients 60000 --seed 7 --out "$lat_events" --format pb
for run in $(seq "$RUNS"); do
  topic="bench.latency.$run"
  "$kf" topics create --brokers "$brokers" --topic "$topic" --partitions 3 >/dev/null
  rm -rf "$OUT/latency-store"
  "$kf" serve --data "$OUT/latency-store" --chains "$KETENFLOW_ROOT/chains" --brokers "$brokers" \
    --topic "$topic" --group "latency-$run-$$" > "$OUT/latency.log" 2>&1 &
  pid=$!
  until grep -q "assigned partitions" "$OUT/latency.log"; do sleep 0.2; done
  n=$("$tool" produce --brokers "$brokers" --topic "$topic" --file "$lat_events" --rate 10000 |
    awk '{print $2}')
  until [ "$(consumed "$OUT/latency-store")" -ge "$n" ] 2>/dev/null; do sleep 0.2; done
  kill -TERM "$pid"; wait "$pid"
  echo "run $run: $(grep -o 'latency from produce to stored.*' "$OUT/latency.log")"
done
