#!/usr/bin/env bash
# The whole test suite: formatting, unit and integration tests (ctest), then
# the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KETENFLOW_ROOT"

echo "== clang-format"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "== unit and integration tests"
ctest --test-dir "$KETENFLOW_BUILD" --output-on-failure -j2

echo "== unit tests under ASan + UBSan"
KETENFLOW_TARGETS=(unit_tests)
ketenflow_build "$KETENFLOW_ROOT/build-asan" -DKETENFLOW_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$KETENFLOW_ROOT/build-asan" -L unit --output-on-failure -j2
