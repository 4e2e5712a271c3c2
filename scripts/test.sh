#!/usr/bin/env bash
# The whole test suite: formatting, unit and integration tests (ctest), then
# the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then every decoder's fuzz target for 30 s (scripts/fuzz.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KETENFLOW_ROOT"

echo "== clang-format"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "== browser test dependencies (Debian chromium, playwright-core from npm)"
ketenflow_install_packages chromium chromium-driver
command -v node >/dev/null && command -v npm >/dev/null || ketenflow_install_packages nodejs npm
[ -d tests/browser/node_modules/playwright-core ] ||
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
ctest --test-dir "$KETENFLOW_BUILD" -N | grep -q browser_dashboard || {
  echo "test.sh: the browser test is not registered (node not found when CMake ran)" >&2
  exit 1
}

echo "== promtool (Debian prometheus): the metrics and scrape-configuration checks"
ketenflow_install_packages prometheus

echo "== PM4Py (PyPI, pinned, in a venv): the XES interop test and bench/pm4py.sh"
command -v python3 >/dev/null || ketenflow_install_packages python3
python3 -c "import venv, ensurepip" 2>/dev/null || ketenflow_install_packages python3-venv
bash scripts/pm4py-venv.sh >/dev/null

echo "== openapi-spec-validator and schemathesis (PyPI, pinned, in a venv): the OpenAPI test"
bash scripts/api-venv.sh >/dev/null

echo "== Keycloak (Maven Central, pinned): the OpenID Connect login test (browser_oidc)"
bash scripts/keycloak.sh >/dev/null

echo "== unit and integration tests"
ctest --test-dir "$KETENFLOW_BUILD" --output-on-failure -j2

echo "== unit tests under ASan + UBSan"
KETENFLOW_TARGETS=(unit_tests)
ketenflow_build "$KETENFLOW_ROOT/build-asan" -DKETENFLOW_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$KETENFLOW_ROOT/build-asan" -L unit --output-on-failure -j2

echo "== fuzz targets, ${KETENFLOW_FUZZ_SECONDS:-30} s each (clang++, libFuzzer, ASan + UBSan)"
bash scripts/fuzz.sh
