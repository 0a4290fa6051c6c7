# The harness itself: a three-task array of trivial tasks runs to completion
# on the cluster with_slurm.sh started, and the daemons listen on 127.0.0.1
# only. Run as: with_slurm.sh bash check_harness.sh
set -euo pipefail
source "$(dirname "$0")/slurm_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/gansweep-slurm-harness-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Listening sockets of slurmctld and slurmd, read from the kernel's table:
# each port of slurm.conf must be bound to 127.0.0.1 (0100007F) and nothing
# else.
for key in SlurmctldPort SlurmdPort; do
  port=$(sed -n "s/^$key=//p" "$SLURM_CONF")
  hex=$(printf '%04X' "$port")
  addresses=$(awk -v p="$hex" '
    NR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) print a[1] }' \
    /proc/net/tcp /proc/net/tcp6 | sort -u)
  [[ "$addresses" == 0100007F ]] ||
    fail "$key $port listens on '${addresses:-nothing}', not 127.0.0.1 only"
done
note "slurmctld and slurmd listen on 127.0.0.1 only"

cat >"$work/task.sh" <<'TASK'
#!/bin/bash
echo "task ${SLURM_ARRAY_TASK_ID} of ${SLURM_ARRAY_JOB_ID}" >"$1/done.${SLURM_ARRAY_TASK_ID}"
TASK
job=$(sbatch --parsable --array=0-2 --output="$work/%A_%a.out" "$work/task.sh" "$work")
[[ "$job" =~ ^[0-9]+$ ]] || fail "sbatch printed '$job', not a job id"
note "submitted array job $job"
wait_for_job "$job" 30
states=$(task_states "$job")
expected=$'0 COMPLETED 0\n1 COMPLETED 0\n2 COMPLETED 0'
[[ "$states" == "$expected" ]] || fail "task states: $states"
for task in 0 1 2; do
  [[ "$(cat "$work/done.$task")" == "task $task of $job" ]] || fail "task $task left no mark"
done
note "3 tasks completed"
