#!/usr/bin/env bash
# HTTP gateway benchmark (issue 14 §2), one run on one machine and one local
# broker: events/s accepted by `ketenflow gateway` through POST /v1/events in
# NDJSON batches of 100 (one keep-alive connection per partner, the four
# partners of wonen-eerst in parallel, each with its publisher token), against
# the raw `ketenflow publish` rate of the same events on the same broker.
# Each run uses fresh topics and a fresh gateway; medians of RUNS.
#
#   RUNS=3 bash bench/gateway.sh [CLIENTS]     default 5000 clients (≈50 000 events)
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

RUNS="${RUNS:-3}"
clients="${1:-5000}"
BATCH=100
OUT="$KETENFLOW_ROOT/bench/out"
kf="$KETENFLOW_BUILD/ketenflow"
kafka="$KETENFLOW_ROOT/deploy/kafka/kafka.sh"
chain="$KETENFLOW_ROOT/chains/wonen-eerst.yaml"
mkdir -p "$OUT"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

"$kafka" stop "$OUT/kafka" >/dev/null 2>&1 || true
rm -rf "$OUT/kafka"
brokers=$("$kafka" start "$OUT/kafka")
gw_pid=""
trap '[ -n "$gw_pid" ] && kill -TERM "$gw_pid" 2>/dev/null; "$kafka" stop "$OUT/kafka" >/dev/null 2>&1 || true' EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p'); commit $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD)"

events="$OUT/gateway-$clients.ndjson"
[ -f "$events" ] || "$kf" simulate --chain "$chain" --clients "$clients" --seed 42 --out "$events"
total=$(wc -l < "$events")
tokens="$OUT/gateway-tokens"
rm -f "$tokens"
partners=(gemeente-denbosch mo-denbosch zayaz ambulante-begeleiding)
for p in "${partners[@]}"; do
  "$kf" tokens add --file "$tokens" --name "bench-$p" --role publisher --partner "$p" \
    > "$OUT/gateway-token-$p" 2>/dev/null
done
echo "events: $total from $clients clients; batches of $BATCH"

# Sends each partner's events in NDJSON batches over one keep-alive connection
# per partner (threads); prints accepted events and events/s from the first
# request to the last answer.
send() {
  python3 - "$1" "$events" "$BATCH" "$OUT" "${partners[@]}" <<'PY'
import http.client, json, sys, threading, time
port, path, batch, out, partners = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
by = {p: [] for p in partners}
for line in open(path):
    by[json.loads(line)["partnerId"]].append(line)
accepted = [0] * len(partners)
def run(i, p):
    token = open(f"{out}/gateway-token-{p}").read().strip()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    lines = by[p]
    for s in range(0, len(lines), batch):
        c.request("POST", "/v1/events", "".join(lines[s:s + batch]),
                  {"Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"})
        r = c.getresponse()
        body = json.loads(r.read())
        if r.status != 200: sys.exit(f"HTTP {r.status}: {body}")
        accepted[i] += body["accepted"]
threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(partners)]
t0 = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
s = time.monotonic() - t0
print(sum(accepted), int(sum(accepted) / s))
PY
}

raw=(); http=()
for run in $(seq "$RUNS"); do
  "$kf" topics create --brokers "$brokers" --topic "bench.gw.raw.$run" --partitions 3 >/dev/null
  "$kf" topics create --brokers "$brokers" --topic "bench.gw.http.$run" --partitions 3 >/dev/null
  r=$("$kf" publish --brokers "$brokers" --topic "bench.gw.raw.$run" --chains "$chain" --quiet \
    "$events" | sed -n 's/^total: .* \([0-9]*\) events\/s$/\1/p')
  raw+=("$r")
  "$kf" gateway --brokers "$brokers" --topic "bench.gw.http.$run" --chains "$chain" \
    --http 127.0.0.1:0 --tokens "$tokens" --gateway-rate 0 > "$OUT/gateway.log" 2>&1 &
  gw_pid=$!
  until grep -q 'http://127.0.0.1:' "$OUT/gateway.log"; do sleep 0.1; done
  port=$(grep -o 'http://127.0.0.1:[0-9]*' "$OUT/gateway.log" | head -1 | sed 's/.*://')
  read -r accepted rate < <(send "$port")
  kill -TERM "$gw_pid"; wait "$gw_pid" || true; gw_pid=""
  [ "$accepted" -eq "$total" ] || { echo "gateway accepted $accepted of $total" >&2; exit 1; }
  http+=("$rate")
  echo "run $run: publish ${raw[-1]} events/s, gateway (HTTP, batches of $BATCH) ${http[-1]} events/s"
done
rawm=$(printf '%s\n' "${raw[@]}" | median)
httpm=$(printf '%s\n' "${http[@]}" | median)
echo "== median: publish $rawm events/s, gateway $httpm events/s, ratio $(awk -v a="$httpm" -v b="$rawm" 'BEGIN{printf "%.2f", a/b}')"
