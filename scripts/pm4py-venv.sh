#!/usr/bin/env bash
# A Python virtual environment with PM4Py pinned (from PyPI), for the PM4Py
# interop test (tests/pm4py/) and the PM4Py peer benchmark (bench/pm4py.sh).
# Made once in BUILD/pm4py-venv (or $KETENFLOW_PM4PY_VENV); prints its python.
set -euo pipefail

KETENFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KETENFLOW_PM4PY_VENV:-${KETENFLOW_BUILD:-$KETENFLOW_ROOT/build}/pm4py-venv}"
pm4py_version=2.7.23.11

if ! "$venv/bin/python" -c "import pm4py, sys; sys.exit(pm4py.__version__ != '$pm4py_version')" \
  2>/dev/null; then
  echo "pm4py-venv: making $venv with pm4py $pm4py_version" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pm4py==$pm4py_version" >&2
fi
echo "$venv/bin/python"
