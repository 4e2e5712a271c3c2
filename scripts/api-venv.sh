#!/usr/bin/env bash
# A Python virtual environment with the OpenAPI checkers pinned (from PyPI):
# openapi-spec-validator and schemathesis, for the openapi_schemathesis test
# (tests/openapi/). Made once in BUILD/api-venv (or $KETENFLOW_API_VENV);
# prints its python.
set -euo pipefail

KETENFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KETENFLOW_API_VENV:-${KETENFLOW_BUILD:-$KETENFLOW_ROOT/build}/api-venv}"
validator_version=0.9.0
schemathesis_version=4.32.5

if ! "$venv/bin/python" - "$validator_version" "$schemathesis_version" 2>/dev/null <<'PY'; then
import sys
from importlib.metadata import version
sys.exit(version("openapi-spec-validator") != sys.argv[1] or version("schemathesis") != sys.argv[2])
PY
  echo "api-venv: making $venv with openapi-spec-validator $validator_version," \
    "schemathesis $schemathesis_version" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-spec-validator==$validator_version" "schemathesis==$schemathesis_version" >&2
fi
echo "$venv/bin/python"
