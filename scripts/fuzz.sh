#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz/ and runs each one for a
# bounded time; exits non-zero when any target finds a crash, a sanitizer error, a hang or a
# broken invariant. Only the libraries the targets link are compiled (the Slurm and Kubernetes
# executors included, so it needs libslurm and yaml-cpp like the main build).
# Usage: scripts/fuzz.sh [seconds-per-target, default 30] [target ...]
#   targets: cron base64 envelope funcspec workflowspec slurm k8s payloads (docs/fuzzing.md, section 5)
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_JOBS (build parallelism, default nproc),
# CXX_FUZZ (clang++-16). New corpus entries stay in $FUZZ_BUILD_DIR/corpus/<target>/, crash
# reproducers land in $FUZZ_BUILD_DIR/artifacts/<target>/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-30}
shift || true
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
CXX_FUZZ=${CXX_FUZZ:-clang++-16}
JOBS=${FUZZ_JOBS:-$(nproc)}

if ! command -v "$CXX_FUZZ" >/dev/null; then
  echo "fuzz: $CXX_FUZZ not found; run scripts/install-deps.sh (clang-16, libclang-rt-16-dev)" >&2
  exit 1
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
  -DCOLONIES_BUILD_FUZZERS=ON -DCOLONIES_BUILD_TESTS=OFF -DCOLONIES_BUILD_BENCHMARKS=OFF \
  -DCOLONIES_WITH_K8S=ON -DCOLONIES_WITH_SLURM=ON >/dev/null
cmake --build "$BUILD_DIR" --target fuzzers -j "$JOBS"

targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for exe in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("$(basename "$exe" | sed 's/^fuzz_//')"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for target in "${targets[@]}"; do
  exe="$BUILD_DIR/fuzz/fuzz_$target"
  seeds="tests/fuzz/corpus/$target"
  work="$BUILD_DIR/corpus/$target"
  artifacts="$BUILD_DIR/artifacts/$target"
  if [[ ! -x "$exe" ]]; then
    echo "fuzz: no target '$target' (have: $(ls "$BUILD_DIR"/fuzz | sed 's/^fuzz_//' | tr '\n' ' '))" >&2
    exit 1
  fi
  mkdir -p "$work" "$artifacts"
  args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  if [[ -f "tests/fuzz/$target.dict" ]]; then args+=(-dict="tests/fuzz/$target.dict"); fi
  log="$BUILD_DIR/fuzz-$target.log"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s (log $log)"
  # The first corpus directory receives new inputs; the committed seeds are only read.
  if "$exe" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    corpus=$(find "$work" -type f | wc -l)
    echo "fuzz: $target ok: ${runs:-?} executions, ${rate:-?} exec/s, corpus $corpus inputs"
  else
    echo "fuzz: $target FAILED; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    echo "fuzz: reproducers in $artifacts/ (rerun one with: $exe <file>)" >&2
    failed+=("$target")
  fi
done

if (( ${#failed[@]} > 0 )); then
  echo "fuzz: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
