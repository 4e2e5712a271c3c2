#!/usr/bin/env bash
# The demo: simulated partner events of the Wonen Eerst chain through the
# engine, ending with the chain's KPI table.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

kf="$KETENFLOW_BUILD/ketenflow"
demo="$KETENFLOW_ROOT/demo-data"
rm -rf "$demo" && mkdir -p "$demo"

echo "== simulating 5 000 clients of chain wonen-eerst (late and duplicate deliveries included)"
"$kf" simulate --chain "$KETENFLOW_ROOT/chains/wonen-eerst.yaml" --clients 5000 --seed 2024 \
  --disorder 0.05 --duplicates 0.02 --corrections 0.02 --out "$demo/wonen-eerst.pb" --format pb
echo "== ingesting into $demo/store"
"$kf" ingest --data "$demo/store" --chains "$KETENFLOW_ROOT/chains" "$demo/wonen-eerst.pb"
echo
"$kf" kpi --data "$demo/store" --chain wonen-eerst --from 2024-01-01 --to 2025-01-01
echo
echo "More: $kf kpi --data $demo/store --chain wonen-eerst --by month --format csv"
echo "      $kf --help"
