#!/usr/bin/env bash
# Builds everything and runs every test tier (unit, golden, integration, system, slow).
# This is the README's test command and what .ci/run calls.
# Usage: scripts/test.sh [ctest -L regex]   e.g. scripts/test.sh unit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCOLONIES_BUILD_TESTS=ON -DCOLONIES_BUILD_BENCHMARKS=ON
cmake --build "$BUILD_DIR" -j "$(nproc)"
LABELS=()
if [[ $# -gt 0 ]]; then LABELS=(-L "$1"); fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 300 "${LABELS[@]}"
