#!/usr/bin/env bash
# One huge XES token: a log of two small traces with one comment of N MiB
# between them (and, separately, one attribute value of N MiB), read by
# `xes_read` (bench/xes_read.cc: the engine's XesReader alone). Before the
# fix the reader's time grew with the square of the token (expat re-scans an
# unfinished token on every 64 KiB read); now it grows linearly.
#
#   bash bench/xes_token.sh [MIB...]      default: 10 20 40
#   XES_READ=/path/to/old/xes_read        time another build of the reader
set -euo pipefail
KETENFLOW_TARGETS=(xes_read)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

OUT="$KETENFLOW_ROOT/bench/out/xes_token"
mkdir -p "$OUT"
reader="${XES_READ:-$KETENFLOW_BUILD/xes_read}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 20 40)

trace() {
  printf '  <trace><string key="concept:name" value="c-%s"/><event>' "$1"
  printf '<string key="concept:name" value="aanmelding"/>'
  printf '<date key="time:timestamp" value="2024-03-01T09:00:00Z"/>'
  printf '<string key="org:group" value="gemeente"/%s></event></trace>\n' "$2"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); reader: $reader"
for mib in "${sizes[@]}"; do
  for kind in comment value; do
    log="$OUT/$kind-$mib.xes"
    if [ ! -f "$log" ]; then
      {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">'
        trace 1 ""
        if [ "$kind" = comment ]; then
          printf '  <!-- '; head -c "$((mib << 20))" /dev/zero | tr '\0' 'x'; echo ' -->'
          trace 2 ""
        else
          trace 2 "><string key=\"note\" value=\"$(head -c "$((mib << 20))" /dev/zero | tr '\0' 'x')\"/"
        fi
        echo '</log>'
      } > "$log"
    fi
    start=$(date +%s.%N)
    "$reader" "$log" > /dev/null
    end=$(date +%s.%N)
    printf '%-8s %3d MiB: %6.2f s\n' "$kind" "$mib" "$(echo "$end - $start" | bc)"
  done
done
