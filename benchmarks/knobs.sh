#!/usr/bin/env bash
# Measures the effect of each coloniesd tuning knob on the lifecycle benchmark: one run per value,
# everything else at its default, and prints a Markdown table (benchmarks/README.md, "Tuning the
# knobs"). Each run's JSON summary (with its commit and load average) and HDF5 trace stay in OUT.
# Usage: benchmarks/knobs.sh [BUILD_DIR] [OUT]   (env: N processes, S submitters, E executors)
set -euo pipefail
BUILD_DIR=${1:-build}
OUT=${2:-$(mktemp -d /tmp/colonies-knobs.XXXXXX)}
N=${N:-5000} S=${S:-8} E=${E:-8}
BENCH="$BUILD_DIR/bin/colonies-bench-lifecycle"
[[ -x "$BENCH" ]] || { echo "knobs: $BENCH not built (cmake --build $BUILD_DIR --target colonies-bench-lifecycle)" >&2; exit 2; }
mkdir -p "$OUT"
TRACE_OK=0  # traces (for the executor spread) need a build with HDF5
grep -q "^COLONIES_WITH_HDF5:BOOL=ON" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null && TRACE_OK=1

# name|coloniesd arguments (space-separated)
RUNS=(
  "default|"
  "db-sync=normal|--db-sync=normal"
  "commit-window-us=200|--commit-window-us=200"
  "commit-window-us=1000|--commit-window-us=1000"
  "commit-max-batch=1|--commit-max-batch=1"
  "commit-max-batch=16|--commit-max-batch=16"
  "threads=1|--threads=1"
  "threads=4|--threads=4"
  "long-poll-order=lifo|--long-poll-order=lifo"
)
for run in "${RUNS[@]}"; do
  name=${run%%|*}
  args=()
  for a in ${run#*|}; do args+=("--server-arg=$a"); done
  trace=()
  if (( TRACE_OK )); then trace=(--trace "$OUT/$name.h5"); fi
  echo "knobs: $name (${args[*]:-defaults})" >&2
  "$BENCH" -n "$N" -s "$S" -e "$E" "${args[@]}" --json "$OUT/$name.json" "${trace[@]}" >"$OUT/$name.txt" 2>&1 ||
    echo "knobs: $name failed, see $OUT/$name.txt" >&2
done

PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3  # Debian's python3-h5py
"$PY" - "$OUT" "${RUNS[@]%%|*}" <<'PY'
import json, os, sys
out, names = sys.argv[1], sys.argv[2:]
try:
    import h5py, numpy as np
except ImportError:
    h5py = None
print(f"| knob | lifecycles/s | submit p50 / p99 | assign p50 / p99 | close p50 / p99 | wake-up p50 / p99 | busiest executor's share | load |")
print("|---|---|---|---|---|---|---|---|")
for name in names:
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        print(f"| {name} | failed | | | | | | |")
        continue
    s = json.load(open(path))
    lat = lambda k: f"{s[k]['p50_ms']:.2f} / {s[k]['p99_ms']:.2f} ms"
    share = ""
    trace = os.path.join(out, name + ".h5")
    if h5py and os.path.exists(trace):
        with h5py.File(trace) as f:
            t = f["processes"][...]
        names_, counts = np.unique(t[t["ended_ns"] > 0]["executorname"], return_counts=True)
        if len(counts):
            share = f"{counts.max() / counts.sum():.0%} of {len(counts)}"
    print(f"| {name} | {s['lifecycles_per_s']:.0f} | {lat('submit')} | {lat('assign')} | {lat('close')} | "
          f"{lat('wakeup')} | {share} | {s['context']['load_average_1m']:.1f} |")
PY
echo "knobs: summaries and traces in $OUT" >&2
