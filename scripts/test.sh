#!/usr/bin/env bash
# Builds everything and runs every test tier (unit, golden, integration, system, slow), the fuzz
# targets for a short bound (scripts/fuzz.sh, FUZZ_SECONDS per target, default 20; 0 skips) and
# the sanitizer builds (scripts/sanitize.sh: ASan+UBSan over the unit and integration tiers, TSan
# over the threaded core; SANITIZE=asan|tsan|all, default all; 0 skips them).
# This is the README's test command and what .ci/run calls.
# Usage: scripts/test.sh [ctest -L regex]   e.g. scripts/test.sh unit   (a label run skips fuzzing
# and the sanitizer builds)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
# The main, ASan and TSan builds together outgrow ccache's default 5 GB: room for all three.
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCOLONIES_BUILD_TESTS=ON -DCOLONIES_BUILD_BENCHMARKS=ON -DCOLONIES_WITH_K8S=ON -DCOLONIES_WITH_MPI=ON -DCOLONIES_WITH_POSTGRES=ON -DCOLONIES_WITH_SLURM=ON -DCOLONIES_WITH_GRPC=ON -DCOLONIES_WITH_HDF5=ON -DCOLONIES_ALLOCATOR=jemalloc
cmake --build "$BUILD_DIR" -j "$(nproc)"
LABELS=()
if [[ $# -gt 0 ]]; then LABELS=(-L "$1"); fi
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
SANITIZE=${SANITIZE:-all}
if [[ $# -gt 0 ]]; then FUZZ_SECONDS=0; SANITIZE=0; fi

# ctest runs even when fuzzing or a sanitizer run fails, and all decide the exit status. They go
# first so that ctest's summary stays the closing lines of the output, which is what CI reads.
fuzz_status=0
if [[ "$FUZZ_SECONDS" != "0" ]]; then
  scripts/fuzz.sh "$FUZZ_SECONDS" || fuzz_status=$?
fi
sanitize_status=0
if [[ "$SANITIZE" != "0" ]]; then
  scripts/sanitize.sh "$SANITIZE" || sanitize_status=$?
fi
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 300 "${LABELS[@]}"
if (( fuzz_status != 0 )); then
  echo "test: fuzzing failed (see above); ctest passed" >&2
  exit "$fuzz_status"
fi
if (( sanitize_status != 0 )); then
  echo "test: a sanitizer run failed (see above); ctest passed" >&2
  exit "$sanitize_status"
fi
