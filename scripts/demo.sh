#!/usr/bin/env bash
# The demo: a local Kafka broker, the engine consuming from it, and one
# publisher per partner organisation sending simulated events of the three
# chains; ends with the KPI tables and the dashboard's address (with a token),
# and leaves the engine running.
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow)
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

kf="$KETENFLOW_BUILD/ketenflow"
kafka="$KETENFLOW_ROOT/deploy/kafka/kafka.sh"
demo="$KETENFLOW_ROOT/demo-data"
chains="$KETENFLOW_ROOT/chains"

# A previous demo's engine and broker are stopped first.
[ -f "$demo/serve.pid" ] && kill -TERM "$(cat "$demo/serve.pid")" 2>/dev/null && sleep 2 || true
[ -d "$demo/kafka" ] && "$kafka" stop "$demo/kafka" >/dev/null 2>&1 || true
rm -rf "$demo" && mkdir -p "$demo/events"

echo "== starting a local Kafka broker"
brokers=$("$kafka" start "$demo/kafka")
"$kf" topics create --brokers "$brokers" --partitions 6

echo "== API tokens (the file keeps only their hashes)"
mkdir -p "$demo/store"
admin=$("$kf" tokens add --file "$demo/store/tokens" --name demo-admin --role admin)
"$kf" tokens add --file "$demo/store/tokens" --name demo-analyst --role analyst > "$demo/analyst.token"
"$kf" tokens add --file "$demo/store/tokens" --name demo-operator --role operator \
  --partner mo-denbosch > "$demo/operator.token"

echo "== starting the engine and its HTTP API (log: $demo/serve.log)"
port="${KETENFLOW_HTTP_PORT:-8080}"
# Another program on the port: take a free one.
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && port=0
nohup "$kf" serve --data "$demo/store" --chains "$chains" --brokers "$brokers" \
  --http "127.0.0.1:$port" > "$demo/serve.log" 2>&1 &
echo $! > "$demo/serve.pid"
for _ in $(seq 100); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$demo/serve.log" | head -1 | cut -d' ' -f3 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$demo/serve.log"; echo "demo: the engine did not start" >&2; exit 1; }

echo "== simulating partner systems of the three chains"
total=0
for chain in wonen-eerst detentie-terugkeer schulden-werk; do
  "$kf" simulate --chain "$chains/$chain.yaml" --clients 3000 --seed 2024 --disorder 0.05 \
    --duplicates 0.02 --corrections 0.02 --out "$demo/events/$chain.ndjson"
  total=$((total + $(wc -l < "$demo/events/$chain.ndjson")))
done
# One publisher per organisation, as in reality: each sends only its own events.
cat "$demo"/events/*.ndjson | grep -o '"partnerId":"[^"]*"' | sort -u | cut -d'"' -f4 |
  while read -r partner; do
    grep -h "\"partnerId\":\"$partner\"" "$demo"/events/*.ndjson > "$demo/events/by-$partner.ndjson"
  done
pids=()
for file in "$demo"/events/by-*.ndjson; do
  "$kf" publish --brokers "$brokers" --topic ketenflow.events --chains "$chains" "$file" \
    > "$file.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
echo "   $(ls "$demo"/events/by-*.ndjson | wc -l) partner publishers sent $total events"

echo "== waiting for the engine to take them in"
for _ in $(seq 300); do
  seen=$("$kf" status --data "$demo/store" --format json 2>/dev/null |
    sed 's/.*"accepted":\([0-9]*\),"duplicates":\([0-9]*\),"rejected":\([0-9]*\).*/\1 \2 \3/' |
    awk '{print $1+$2+$3}')
  [ "${seen:-0}" -ge "$total" ] && break
  sleep 1
done
"$kf" status --data "$demo/store"
echo
"$kf" kpi --data "$demo/store" --chain wonen-eerst --from 2024-01-01 --to 2025-01-01
for chain in detentie-terugkeer schulden-werk; do
  echo; "$kf" kpi --data "$demo/store" --chain "$chain" --from 2024-01-01 --to 2025-01-01
done
echo
echo "The engine keeps running (pid $(cat "$demo/serve.pid"), log $demo/serve.log)."
echo "Stop it with:  kill -TERM $(cat "$demo/serve.pid") && $kafka stop $demo/kafka"
echo
echo "Dashboard (admin; analyst and operator tokens are in $demo/*.token):"
echo "  $url/#token=$admin"
echo "API:  curl -H 'Authorization: Bearer $admin' $url/v1/chains/wonen-eerst/flow"
