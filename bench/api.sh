#!/usr/bin/env bash
# HTTP API latency (bench/README.md "HTTP API"): CLIENTS simulated clients in
# the store (default 1 000 000), ingest running at 10 000 events/s through a
# local Kafka broker, and wrk with 50 connections for DURATION against the
# kpis of a month and of a year, the flow of a year, and one client's path,
# with /healthz (no work, no token) as the same-run baseline. Prints p50 and
# p99 per route and run, then the medians over RUNS runs.
#
#   RUNS=3 DURATION=20s bash bench/api.sh [CLIENTS]
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow kafka_tool)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
command -v wrk >/dev/null || ketenflow_install_packages wrk

clients="${1:-1000000}"
runs="${RUNS:-3}"
duration="${DURATION:-20s}"
kf="$KETENFLOW_BUILD/ketenflow"
tool="$KETENFLOW_BUILD/kafka_tool"
kafka="$KETENFLOW_ROOT/deploy/kafka/kafka.sh"
OUT="$KETENFLOW_ROOT/bench/out"
chain="$KETENFLOW_ROOT/chains/wonen-eerst.yaml"
store="$OUT/api-store-$clients"
mkdir -p "$OUT"

# The store: built once per size and kept (bench/out is not in git).
if [ ! -f "$store/complete" ]; then
  echo "== building a store of $clients clients (once)"
  rm -rf "$store"
  base="$OUT/wonen-eerst-$clients.pb"  # shared with bench/ingest.sh and bench/as_of.sh
  [ -f "$base" ] || "$kf" simulate --chain "$chain" --clients "$clients" --seed 1 --format pb \
    --out "$base"
  "$kf" ingest --quiet --data "$store" --chains "$KETENFLOW_ROOT/chains" "$base"
  touch "$store/complete"
fi
# Live events: other clients, arriving from 2025 on, at 10 000 events/s.
live="$OUT/api-live.pb"
[ -f "$live" ] || "$kf" simulate --chain "$chain" --clients 400000 --seed 8 --start 2025-01-01 \
  --format pb --out "$live"

work=$(mktemp -d)
cleanup() {
  [ -n "${producer:-}" ] && kill "$producer" 2>/dev/null || true
  [ -n "${serve:-}" ] && kill -TERM "$serve" 2>/dev/null && wait "$serve" 2>/dev/null || true
  "$kafka" stop "$work/kafka" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

brokers=$("$kafka" start "$work/kafka")
"$kf" topics create --brokers "$brokers" --topic bench.api --partitions 3 >/dev/null
token=$("$kf" tokens add --file "$work/tokens" --name bench --role admin 2>/dev/null)
"$kf" serve --data "$store" --chains "$KETENFLOW_ROOT/chains" --brokers "$brokers" \
  --topic bench.api --group "bench-api-$$" --http 127.0.0.1:0 --tokens "$work/tokens" \
  --audit "$work/audit.log" > "$work/serve.log" 2>&1 &
serve=$!
until url=$(grep -o 'listening on http://[0-9.:]*' "$work/serve.log" | cut -d' ' -f3) &&
  [ -n "$url" ]; do sleep 0.2; done
until grep -q "assigned partitions" "$work/serve.log"; do sleep 0.2; done
"$tool" produce --brokers "$brokers" --topic bench.api --file "$live" --rate 10000 \
  > "$work/producer.log" 2>&1 &
producer=$!
sleep 5

auth="Authorization: Bearer $token"
ref=$(curl -sf -H "$auth" "$url/v1/chains/wonen-eerst/stuck?limit=1" |
  grep -o '"clientRef":"[^"]*"' | cut -d'"' -f4)
declare -A routes=(
  [healthz]="/healthz"
  [kpis-month]="/v1/chains/wonen-eerst/kpis?from=2024-06-01&to=2024-07-01"
  [kpis-year]="/v1/chains/wonen-eerst/kpis?from=2024-01-01&to=2025-01-01"
  [flow-year]="/v1/chains/wonen-eerst/flow?from=2024-01-01&to=2025-01-01"
  [client-path]="/v1/chains/wonen-eerst/clients/$ref"
)
order=(healthz kpis-month kpis-year flow-year client-path)

# wrk prints "50%  1.23ms"; in ms.
to_ms() { awk '{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000} printf "%.2f", v}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A p50 p99 rps
for run in $(seq "$runs"); do
  for name in "${order[@]}"; do
    out=$(wrk -t2 -c50 -d"$duration" --latency -H "$auth" "$url${routes[$name]}")
    a=$(grep -E '^ +50%' <<<"$out" | to_ms)
    b=$(grep -E '^ +99%' <<<"$out" | to_ms)
    r=$(grep 'Requests/sec' <<<"$out" | awk '{print $2}')
    non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' <<<"$out" || true)
    echo "run $run $name: p50 $a ms, p99 $b ms, $r req/s ${non2xx}"
    p50[$name]+="$a "
    p99[$name]+="$b "
    rps[$name]+="$r "
  done
done
consumed=$(grep -o 'ketenflow_consumed_records_total [0-9]*' <(curl -s "$url/metrics") | awk '{print $2}')
echo "== medians over $runs runs (wrk -t2 -c50 -d$duration; ingest at 10 000 events/s: $consumed live events consumed)"
for name in "${order[@]}"; do
  echo "$name: p50 $(tr ' ' '\n' <<<"${p50[$name]}" | grep . | median) ms," \
    "p99 $(tr ' ' '\n' <<<"${p99[$name]}" | grep . | median) ms," \
    "$(tr ' ' '\n' <<<"${rps[$name]}" | grep . | median) req/s"
done
