#!/usr/bin/env bash
# ctest entry of the dashboard's end-to-end test: checks what it needs (Node.js, npm, Debian's
# chromium), installs playwright-core from package-lock.json into the build directory (npm ci,
# once per lock file; never into the source tree), then runs dashboard_e2e.cjs. A missing
# prerequisite FAILS the test with what to install: it never skips.
# Usage: run_dashboard_e2e.sh WORK_DIR ARTIFACTS_DIR COLONIESD COLONIES LOCAL_EXECUTOR
set -euo pipefail
if (( $# != 5 )); then
  echo "usage: $0 WORK_DIR ARTIFACTS_DIR COLONIESD COLONIES LOCAL_EXECUTOR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$1 ARTIFACTS=$2 COLONIESD=$3 COLONIES=$4 EXECUTOR=$5

fail() { echo "dashboard e2e: FAILED: $*" >&2; exit 1; }

command -v node >/dev/null || fail "Node.js is not installed (scripts/install-deps.sh installs it: apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm is not installed (scripts/install-deps.sh installs it: apt-get install npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 18 )) || fail "Node.js $(node --version) is too old; playwright-core needs 18 or later"

# Debian's chromium package: the real binary, not the /usr/bin wrapper script (which adds flags of
# its own). COLONIES_CHROMIUM overrides.
CHROMIUM=${COLONIES_CHROMIUM:-}
if [[ -z "$CHROMIUM" ]]; then
  for candidate in /usr/lib/chromium/chromium /usr/bin/chromium; do
    if [[ -x "$candidate" ]]; then CHROMIUM=$candidate; break; fi
  done
fi
[[ -n "$CHROMIUM" && -x "$CHROMIUM" ]] ||
  fail "Chromium is not installed (scripts/install-deps.sh installs Debian's: apt-get install chromium), or set COLONIES_CHROMIUM"

mkdir -p "$WORK" "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/*.log
STAMP="$WORK/node_modules/.colonies-package-lock.json"
if ! cmp -s "$HERE/package-lock.json" "$STAMP"; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$WORK/"
  echo "dashboard e2e: npm ci (playwright-core, pinned in tests/integration/dashboard/package-lock.json) into $WORK"
  (cd "$WORK" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) ||
    fail "npm ci could not install playwright-core into $WORK (the npm registry, or npm's cache in ~/.npm, must be reachable)"
  cp "$HERE/package-lock.json" "$STAMP"
fi

exec node "$HERE/dashboard_e2e.cjs" --modules "$WORK/node_modules" --artifacts "$ARTIFACTS" \
  --coloniesd "$COLONIESD" --colonies "$COLONIES" --executor "$EXECUTOR" --chromium "$CHROMIUM"
