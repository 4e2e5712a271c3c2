#!/usr/bin/env bash
# Installs what is missing (Debian packages only) and builds ketenflow into
# build/ (or $KETENFLOW_BUILD). Sourced by demo.sh and test.sh; safe to rerun.
set -euo pipefail

KETENFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KETENFLOW_BUILD="${KETENFLOW_BUILD:-$KETENFLOW_ROOT/build}"
export KETENFLOW_ROOT KETENFLOW_BUILD

KETENFLOW_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev libprotobuf-dev protobuf-compiler
  libyaml-cpp-dev libcli11-dev libhowardhinnant-date-dev tzdata
  libxxhash-dev libcsv-dev libutfcpp-dev libgtest-dev nlohmann-json3-dev clang-format
  librdkafka-dev libssl-dev libspdlog-dev libfmt-dev
  libcpp-httplib-dev libboost-dev openssl libexpat1-dev zlib1g-dev libutf8proc-dev libjemalloc-dev
  openjdk-17-jre-headless maven
  clang libclang-rt-14-dev
)

ketenflow_install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ketenflow_build DIR [CMAKE_ARGS...]: configure and build the targets in
# KETENFLOW_TARGETS (default: all) with two jobs.
ketenflow_build() {
  local dir="$1"; shift
  cmake -S "$KETENFLOW_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j2 --target "${KETENFLOW_TARGETS[@]:-all}"
}

ketenflow_install_packages "${KETENFLOW_PACKAGES[@]}"
# KETENFLOW_SETUP_BUILD=0: packages only (scripts/fuzz.sh builds its own folder).
[ "${KETENFLOW_SETUP_BUILD:-1}" = 1 ] || return 0
# Callers may name the targets they need before sourcing this file.
[ -n "${KETENFLOW_TARGETS+x}" ] || KETENFLOW_TARGETS=(all)
ketenflow_build "$KETENFLOW_BUILD"
