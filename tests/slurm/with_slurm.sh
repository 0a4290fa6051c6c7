#!/usr/bin/env bash
# Starts a single-node Slurm cluster that listens on 127.0.0.1 only, runs one
# command against it, and stops the daemons again, whatever happens:
#
#   tests/slurm/with_slurm.sh COMMAND [ARGS...]
#
# The command runs with SLURM_CONF set (every Slurm command needs it) and
# GANSWEEP_SLURM_PARTITION, GANSWEEP_SLURM_DIR (the cluster's folder) in its
# environment. Config, state, spool, logs, pid files and munge's socket all
# live in one temporary folder, removed at the end unless the command failed
# (its logs then help) or GANSWEEP_SLURM_KEEP=1. The command gets
# GANSWEEP_SLURM_TIME_LIMIT seconds (default 80) before it is stopped. Needs
# root (slurmd starts jobs as their user), Debian's slurm-wlm and munge.
# Exits with the command's status (124 when it ran out of time), or with 77
# (CTest's skip code here) when Slurm or munge is not installed.
set -euo pipefail

readonly kSkip=77
readonly kPartition=debug

for tool in munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with_slurm: $tool is not installed (tools/setup installs slurm-wlm and munge)" >&2
    exit "$kSkip"
  fi
done
if (($# == 0)); then
  echo "usage: with_slurm.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "with_slurm: must run as root: slurmd starts each job as the user who submitted it" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/gansweep-slurm-XXXXXX")
# munged runs as user munge and must reach its folder below this one.
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chown munge:munge "$dir/munge"
# Clients reach the socket by path: munged wants the folder searchable by all.
chmod 711 "$dir/munge"
export SLURM_CONF=$dir/slurm.conf
export GANSWEEP_SLURM_PARTITION=$kPartition
export GANSWEEP_SLURM_DIR=$dir
munge_socket=$dir/munge/munge.socket

munged_pid=""
slurmctld_pid=""
slurmd_pid=""
command_pid=""

log() { echo "with_slurm: $*" >&2; }

# Waits up to $2 tenths of a second for process $1 to end.
wait_gone() {
  local pid=$1 tenths=$2
  for ((i = 0; i < tenths; ++i)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Stops one daemon by the pid recorded when it was started: SIGTERM, then
# SIGKILL if it has not ended within 10 s.
stop_daemon() {
  local name=$1 pid=$2
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" 100; then
    log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$command_pid" ]]; then
    kill -TERM "$command_pid" 2>/dev/null || true
    wait "$command_pid" 2>/dev/null || true
  fi
  # Jobs still running would outlive slurmd (each runs under its own
  # slurmstepd): cancel them while the controller is up, and wait for them.
  if [[ -n "$slurmctld_pid" ]] && kill -0 "$slurmctld_pid" 2>/dev/null; then
    scancel --quiet --user=root >/dev/null 2>&1 || true
    for ((i = 0; i < 100; ++i)); do
      [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break
      sleep 0.1
    done
  fi
  stop_daemon slurmd "$slurmd_pid"
  stop_daemon slurmctld "$slurmctld_pid"
  stop_daemon munged "$munged_pid"
  if [[ "${GANSWEEP_SLURM_KEEP:-0}" == 1 || $rc -ne 0 && $rc -ne $kSkip ]]; then
    log "kept $dir (logs in $dir/log)"
  else
    rm -rf "$dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two free TCP ports, read from the kernel's table of listening sockets
# rather than by connecting to anything. Another program can still take one
# before slurmctld binds it; starting is then retried with other ports.
listening_ports() {
  awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print strtonum("0x" a[2]) }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}
pick_port() {
  local taken port
  taken=$(listening_ports)
  while :; do
    port=$((20000 + RANDOM % 30000))
    grep -qx "$port" <<<"$taken" || { echo "$port"; return; }
  done
}

write_config() {
  local ctld_port=$1 slurmd_port=$2
  cat >"$SLURM_CONF" <<CONF
# A one-node cluster on loopback for gansweep's tests (tests/slurm).
ClusterName=gansweep-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Bind to 127.0.0.1 only; without these slurmctld and slurmd listen on 0.0.0.0.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Plugins that need neither cgroups nor an accounting daemon. No cgroup.conf:
# 22.05 refuses CgroupPlugin=disabled, and with these plugins it creates none.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
# Schedule CPUs only: with memory as a resource every job would ask for the
# whole node by default and tasks could not run side by side.
SelectTypeParameters=CR_CPU
# Start jobs as soon as they are submitted, and look again every second.
SchedulerParameters=batch_sched_delay=0,sched_interval=1
ReturnToService=2
# A requeued or cancelled task gets SIGTERM and 5 s to write its checkpoint.
KillWait=5
# Finished jobs stay visible to scontrol for 5 minutes.
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=$kPartition Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
}

# munged in the foreground as user munge, so that $! is its own pid.
setpriv --reuid=munge --regid=munge --init-groups \
  munged --foreground --socket="$munge_socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
  --origin=127.0.0.1 >"$dir/log/munged.out" 2>&1 &
munged_pid=$!
for ((i = 0; i < 100; ++i)); do
  munge --socket="$munge_socket" -n 2>/dev/null | unmunge --socket="$munge_socket" \
    >/dev/null 2>&1 && break
  if ! kill -0 "$munged_pid" 2>/dev/null; then
    log "munged exited: $(cat "$dir/log/munged.out")"
    exit 1
  fi
  sleep 0.1
done
((i < 100)) || { log "munged did not answer within 10 s"; exit 1; }

# slurmctld and slurmd in the foreground (-D) for the same reason. A port
# taken between choosing and binding shows as a daemon that exits: retry.
started=0
for attempt in 1 2 3; do
  write_config "$(pick_port)" "$(pick_port)"
  slurmctld -D -i >"$dir/log/slurmctld.out" 2>&1 &
  slurmctld_pid=$!
  slurmd -D -N localhost >"$dir/log/slurmd.out" 2>&1 &
  slurmd_pid=$!
  for ((i = 0; i < 150; ++i)); do
    if ! kill -0 "$slurmctld_pid" 2>/dev/null || ! kill -0 "$slurmd_pid" 2>/dev/null; then
      break
    fi
    if scontrol ping 2>/dev/null | grep -q 'is UP' &&
      [[ "$(sinfo -h -N -o %T 2>/dev/null)" == idle ]]; then
      started=1
      break
    fi
    sleep 0.1
  done
  ((started)) && break
  log "attempt $attempt: the cluster did not come up; slurmctld log ends with:"
  tail -n 5 "$dir/log/slurmctld.log" >&2 2>/dev/null || true
  stop_daemon slurmd "$slurmd_pid"
  stop_daemon slurmctld "$slurmctld_pid"
  slurmd_pid=""
  slurmctld_pid=""
  rm -rf "$dir/state"/* "$dir/spool"/*
done
((started)) || { log "could not start slurmctld and slurmd"; exit 1; }
log "cluster up in $dir (slurmctld pid $slurmctld_pid, slurmd pid $slurmd_pid)"

# In the background, so that a SIGTERM or Ctrl-C reaches the traps at once
# rather than when the command ends; and under a time limit below CTest's,
# so that the daemons are always stopped by this script, never left behind
# by a test killed from outside.
timeout -k 5 "${GANSWEEP_SLURM_TIME_LIMIT:-80}" "$@" &
command_pid=$!
set +e
wait "$command_pid"
status=$?
set -e
command_pid=""
((status != 124)) || log "the command ran past ${GANSWEEP_SLURM_TIME_LIMIT:-80} s and was stopped"
exit "$status"
