#!/usr/bin/env bash
# ketenflow against PM4Py on the same process-mining CSV log, in one run:
# ketenflow `ingest --infer-chain` + `kpi --format json` (a fresh store each
# run) against PM4Py's read + performance DFG + case durations
# (bench/peers/pm4py/dfg.py, PM4Py pinned in the venv of scripts/pm4py-venv.sh).
# The log: simulated Wonen Eerst clients exported as CSV (case_id, activity,
# timestamp, resource, ...), about 10 events per client.
#
#   bash bench/pm4py.sh [CLIENTS]     default 100000 (≈1 M events)
#   RUNS=3 (runs per tool, alternating; medians and their ratio are reported)
set -euo pipefail
KETENFLOW_TARGETS=(ketenflow)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
ketenflow_install_packages time

RUNS="${RUNS:-3}"
CLIENTS="${1:-100000}"
OUT="$KETENFLOW_ROOT/bench/out"
mkdir -p "$OUT"
kf="$KETENFLOW_BUILD/ketenflow"
python="$(bash "$KETENFLOW_ROOT/scripts/pm4py-venv.sh")"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
echo "commit:  $(git -C "$KETENFLOW_ROOT" rev-parse --short HEAD); PM4Py $("$python" -c 'import pm4py; print(pm4py.__version__)' 2>/dev/null)"

log="$OUT/wonen-eerst-$CLIENTS.csv"
if [ ! -f "$log" ]; then
  events="$OUT/wonen-eerst-$CLIENTS.pb"
  [ -f "$events" ] || "$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" \
    --clients "$CLIENTS" --seed 42 --out "$events" --format pb
  rm -rf "$OUT/pm4py-source"
  "$kf" ingest --quiet --data "$OUT/pm4py-source" --chains "$KETENFLOW_ROOT/chains" "$events" >/dev/null
  "$kf" export --data "$OUT/pm4py-source" --chain wonen-eerst --format csv --output "$log"
  rm -rf "$OUT/pm4py-source"
fi
echo "log: $log ($(($(wc -l < "$log") - 1)) events, $(du -m "$log" | cut -f1) MiB)"

kf_times=(); kf_rss=(); pm_times=(); pm_rss=()
for run in $(seq "$RUNS"); do
  rm -rf "$OUT/pm4py-store"
  /usr/bin/time -f "%e %M" -o "$OUT/time" bash -c '
    "$0" ingest --quiet --data "$1" --infer-chain log --case-column case_id \
      --activity-column activity --time-column timestamp --partner-column resource "$2" >/dev/null &&
    "$0" kpi --data "$1" --chain log --format json >/dev/null' "$kf" "$OUT/pm4py-store" "$log"
  read -r secs kb < "$OUT/time"
  kf_times+=("$secs"); kf_rss+=("$kb")
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$python" "$KETENFLOW_ROOT/bench/peers/pm4py/dfg.py" \
    "$log" case_id activity timestamp > "$OUT/pm4py.json" 2>/dev/null
  read -r psecs pkb < "$OUT/time"
  pm_times+=("$psecs"); pm_rss+=("$pkb")
  echo "run $run: ketenflow ${secs} s (peak RSS $((kb / 1024)) MiB); PM4Py ${psecs} s (peak RSS $((pkb / 1024)) MiB) $(cat "$OUT/pm4py.json")"
done
rm -rf "$OUT/pm4py-store"
kf_median=$(printf '%s\n' "${kf_times[@]}" | median)
pm_median=$(printf '%s\n' "${pm_times[@]}" | median)
echo "median: ketenflow ${kf_median} s, PM4Py ${pm_median} s; ketenflow is $(awk -v k="$kf_median" -v p="$pm_median" 'BEGIN{printf "%.2f", p/k}')x PM4Py's speed (target: 10x)"
echo "median peak RSS: ketenflow $(( $(printf '%s\n' "${kf_rss[@]}" | median | cut -d. -f1) / 1024 )) MiB, PM4Py $(( $(printf '%s\n' "${pm_rss[@]}" | median | cut -d. -f1) / 1024 )) MiB"
