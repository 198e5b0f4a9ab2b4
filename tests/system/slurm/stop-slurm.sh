#!/bin/bash
# Stops what start-slurm.sh DIR started, by recorded pid (never by name): slurmd, slurmctld, and
# munged only if that script started it. Leaves DIR in place (the caller removes it).
set -uo pipefail
D=${1:?usage: stop-slurm.sh STATE_DIR}
stop_pid() {
  local p=$1
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
# Read every pid first: slurmctld removes its pid file on exit.
SLD=$(cat "$D/slurmd.pid" 2>/dev/null || true)
CTLD=$(cat "$D/slurmctld.pid" 2>/dev/null || true)
MUN=$(cat "$D/munged.started" 2>/dev/null || true)
stop_pid "$SLD"
stop_pid "$CTLD"
stop_pid "$MUN"
exit 0
