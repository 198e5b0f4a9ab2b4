#!/bin/bash
# Starts a throwaway one-node Slurm (munge + slurmctld + slurmd, no systemd) for the system tests,
# everything under one state directory: start-slurm.sh DIR. Prints nothing on success except the
# sinfo line; DIR/slurm.conf is what clients need in SLURM_CONF. Needs root (slurmd runs jobs as
# their users). Ports: SLURM_CI_CTLD_PORT / SLURM_CI_SLURMD_PORT (defaults 16817 / 16818, away
# from a site's own Slurm). munged is started only if none answers; DIR/munged.started records it
# so stop-slurm.sh stops only what this script started. Recipe: shared INFRA.md section 1.
set -euo pipefail
D=${1:?usage: start-slurm.sh STATE_DIR}
CTLD_PORT=${SLURM_CI_CTLD_PORT:-16817}
SLURMD_PORT=${SLURM_CI_SLURMD_PORT:-16818}
mkdir -p "$D"/{state,spool,log,out}
chmod 755 "$D"
HOST=$(hostname -s)
# The real hardware of this machine (a RealMemory larger than the truth drains the node).
NODELINE=$(slurmd -C | head -1)
cat > "$D/slurm.conf" <<CONF
ClusterName=colonies-ci
SlurmctldHost=${HOST}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
SlurmctldPort=${CTLD_PORT}
SlurmdPort=${SLURMD_PORT}
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=${SLURM_CI_MIN_JOB_AGE:-300}
SchedulerParameters=sched_interval=1
MailProg=/bin/true
SlurmctldTimeout=10
SlurmdTimeout=10
InactiveLimit=0
KillWait=2
${NODELINE} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"

if ! munge -n >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || { mungekey --create --force; chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key; }
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 100); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  cat /run/munge/munged.pid > "$D/munged.started"
fi
munge -n | unmunge >/dev/null

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 300); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^idle'; then
    sinfo -h
    exit 0
  fi
  sleep 0.2
done
echo "start-slurm.sh: the node did not become idle within 60 s; see $D/log" >&2
exit 1
