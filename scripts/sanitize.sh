#!/usr/bin/env bash
# Builds the project with sanitizers and runs test tiers under them; exits non-zero when a test
# fails, which includes any sanitizer report (every sanitizer error aborts the program).
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/: the unit and integration
#         tiers (not the slow one). Integration tests start the instrumented coloniesd and
#         executors, so the server is checked under real traffic.
#   tsan  ThreadSanitizer in build-tsan/: the scheduler, broker (with its group-commit thread)
#         and transport unit tests, and the coloniesd integration tests that drive a TSan-built
#         server over HTTP, WebSocket and gRPC from many client threads (where threads meet).
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
# Environment: SANITIZE_JOBS (build and ctest parallelism, default nproc), SANITIZE_LABELS (ctest
# label regex for asan, default "unit|integration"). Both builds use the system allocator.
# See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-all}
JOBS=${SANITIZE_JOBS:-$(nproc)}
COMMON=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLONIES_BUILD_TESTS=ON -DCOLONIES_BUILD_BENCHMARKS=OFF
        -DCOLONIES_ALLOCATOR=system)
# -O1 keeps the instrumented build and its tests quick while stack traces stay exact.
FLAGS="-O1 -g"

status=0

run_asan() {
  local dir=build-asan
  echo "sanitize: asan+ubsan build in $dir"
  cmake -S . -B "$dir" "${COMMON[@]}" -DCOLONIES_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$FLAGS" \
    -DCOLONIES_WITH_K8S=ON -DCOLONIES_WITH_MPI=ON -DCOLONIES_WITH_POSTGRES=ON -DCOLONIES_WITH_SLURM=ON \
    -DCOLONIES_WITH_GRPC=ON -DCOLONIES_WITH_HDF5=ON >/dev/null
  cmake --build "$dir" -j "$JOBS"
  # Options and the third-party leak suppressions are compiled into every program
  # (tests/sanitizers/sanitizer_defaults.cpp), so programs the tests start get them too.
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600 -L "${SANITIZE_LABELS:-unit|integration}" -LE slow \
    || status=1
}

run_tsan() {
  local dir=build-tsan
  echo "sanitize: tsan build in $dir"
  # Without gRPC: Debian's gRPC, Abseil and the OpenSSL under them are not built with TSan, whose
  # view of their internal synchronization is blind, so it reports races inside them (StrCat,
  # GraphCycles, the epoll poller, ...) that say nothing about our code. The gRPC transport is
  # checked by the ASan build and the ordinary tiers instead.
  cmake -S . -B "$dir" "${COMMON[@]}" -DCOLONIES_SANITIZE=thread -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$FLAGS" \
    -DCOLONIES_WITH_GRPC=OFF >/dev/null
  # Only the tests of the threaded core: the rest of the tree is not built, and ctest skips the
  # tests of targets that were not (they carry no label).
  cmake --build "$dir" -j "$JOBS" --target server_scheduler_test server_broker_test server_realtime_test \
    http_transport_test coloniesd coloniesd_test subscription_test channel_test workflow_integration_test
  # The script-driven tests (add_test, not gtest) exist in every configured tree whether or not
  # the programs they run were built, so they are left out here by name; ASan runs them.
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" --timeout 600 -L "unit|integration" -LE slow \
      -E '^(layering|cli_reference|python_sdk_.*|spack_recipe.*|dashboard_.*|fuzz_replay_.*)$' \
    || status=1
}

case "$WHICH" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
exit "$status"
