#!/bin/bash
# Stops what start-slurm.sh DIR started, by recorded pid (never by name): its jobs (scancel),
# slurmd, slurmctld, and munged only if that script started it. Leaves DIR in place (the caller
# removes it).
set -uo pipefail
D=${1:?usage: stop-slurm.sh STATE_DIR}
stop_pid() {
  local p=$1
  [ -n "$p" ] || return 0
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
# Jobs outlive slurmd (slurmstepd keeps running them): cancel every job of this cluster first and
# give them a moment to end, so that no test job survives the cluster.
export SLURM_CONF="$D/slurm.conf"
if [ -f "$SLURM_CONF" ] && squeue -h >/dev/null 2>&1; then
  JOBS=$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')
  if [ -n "${JOBS// }" ]; then
    scancel $JOBS 2>/dev/null || true
    for _ in $(seq 100); do
      [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
fi
# Read every pid first: slurmctld removes its pid file on exit.
SLD=$(cat "$D/slurmd.pid" 2>/dev/null || true)
CTLD=$(cat "$D/slurmctld.pid" 2>/dev/null || true)
MUN=$(cat "$D/munged.started" 2>/dev/null || true)
stop_pid "$SLD"
stop_pid "$CTLD"
stop_pid "$MUN"
exit 0
