#!/usr/bin/env bash
# Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central, pinned),
# for the OpenID Connect tests (tests/browser/oidc_test.mjs). Unpacked once
# into BUILD/keycloak-VERSION (or $KETENFLOW_KEYCLOAK_HOME); prints its home.
# Keycloak needs Java 21 or newer: the test finds one with JAVA_HOME or in
# /usr/lib/jvm.
set -euo pipefail

KETENFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keycloak_version=26.5.6
build="${KETENFLOW_BUILD:-$KETENFLOW_ROOT/build}"
home="${KETENFLOW_KEYCLOAK_HOME:-$build/keycloak-$keycloak_version}"

if [ ! -x "$home/bin/kc.sh" ]; then
  echo "keycloak: fetching keycloak-quarkus-dist $keycloak_version into $home" >&2
  download="$build/keycloak-download"
  mkdir -p "$download"
  mvn -q dependency:copy \
    "-Dartifact=org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip" \
    "-DoutputDirectory=$download" >&2
  rm -rf "$home.partial"
  mkdir -p "$home.partial"
  python3 -m zipfile -e "$download/keycloak-quarkus-dist-$keycloak_version.zip" "$home.partial"
  mv "$home.partial/keycloak-$keycloak_version" "$home"
  rm -rf "$home.partial" "$download"
  chmod +x "$home"/bin/*.sh
fi
echo "$home"
