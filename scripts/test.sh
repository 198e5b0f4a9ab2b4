#!/usr/bin/env bash
# Builds everything and runs every test tier (unit, golden, integration, system, slow) and the
# fuzz targets for a short bound (scripts/fuzz.sh, FUZZ_SECONDS per target, default 20; 0 skips).
# This is the README's test command and what .ci/run calls.
# Usage: scripts/test.sh [ctest -L regex]   e.g. scripts/test.sh unit   (a label run skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCOLONIES_BUILD_TESTS=ON -DCOLONIES_BUILD_BENCHMARKS=ON -DCOLONIES_WITH_K8S=ON -DCOLONIES_WITH_MPI=ON -DCOLONIES_WITH_POSTGRES=ON -DCOLONIES_WITH_SLURM=ON -DCOLONIES_WITH_GRPC=ON -DCOLONIES_WITH_HDF5=ON -DCOLONIES_ALLOCATOR=jemalloc
cmake --build "$BUILD_DIR" -j "$(nproc)"
LABELS=()
if [[ $# -gt 0 ]]; then LABELS=(-L "$1"); fi
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [[ $# -gt 0 ]]; then FUZZ_SECONDS=0; fi

# ctest runs even when fuzzing fails, and both decide the exit status. Fuzzing goes first so that
# ctest's summary stays the closing lines of the output, which is what CI reads.
fuzz_status=0
if [[ "$FUZZ_SECONDS" != "0" ]]; then
  scripts/fuzz.sh "$FUZZ_SECONDS" || fuzz_status=$?
fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 300 "${LABELS[@]}"
if (( fuzz_status != 0 )); then
  echo "test: fuzzing failed (see above); ctest passed" >&2
  exit "$fuzz_status"
fi
