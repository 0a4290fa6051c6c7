# Helpers for the checks that with_slurm.sh runs against its cluster:
# waiting for a job, reading its tasks' final states, and failing with the
# cluster's logs attached.

# Seconds since the check started, for messages and timings.
check_start=$(date +%s.%N)
elapsed() { awk -v s="$check_start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'; }

note() { echo "[$(elapsed) s] $*" >&2; }

# Fails the check: the message, then the end of the controller's log.
fail() {
  echo "FAILED after $(elapsed) s: $*" >&2
  if [[ -n "${GANSWEEP_SLURM_DIR:-}" && -f "$GANSWEEP_SLURM_DIR/log/slurmctld.log" ]]; then
    echo "--- end of slurmctld.log" >&2
    tail -n 15 "$GANSWEEP_SLURM_DIR/log/slurmctld.log" >&2
  fi
  exit 1
}

# Waits until squeue lists no task of job $1, polling every 0.25 s (sbatch
# --wait polls far more slowly), for at most $2 seconds.
wait_for_job() {
  local job=$1 limit=$2 deadline
  deadline=$(awk -v n="$(date +%s.%N)" -v l="$limit" 'BEGIN { printf "%.2f", n + l }')
  while [[ -n "$(squeue -h -j "$job" -o %i 2>/dev/null)" ]]; do
    if awk -v n="$(date +%s.%N)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then
      squeue -j "$job" >&2 || true
      fail "job $job still queued or running after $limit s"
    fi
    sleep 0.25
  done
}

# One line per task of array job $1, by task id: "TASK STATE RESTARTS",
# from `scontrol show job -o` (there is no sacct without slurmdbd).
task_states() {
  scontrol show job -o "$1" | awk '{
    task = ""; state = ""; restarts = ""
    for (i = 1; i <= NF; ++i) {
      if ($i ~ /^ArrayTaskId=/) task = substr($i, 13)
      else if ($i ~ /^JobState=/) state = substr($i, 10)
      else if ($i ~ /^Restarts=/) restarts = substr($i, 10)
    }
    print task, state, restarts
  }' | sort -n
}

# The state of one task, e.g. PENDING or RUNNING.
task_state() {
  scontrol show job -o "$1_$2" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}

# Requeues task $2 of array job $1 and lets it start again at once: Slurm
# holds a requeued job back for two minutes (its BeginTime), which only
# slows the test down.
requeue_task() {
  local job=$1 task=$2
  scontrol requeue "${job}_${task}" || fail "scontrol requeue ${job}_${task} failed"
  for ((i = 0; i < 200; ++i)); do
    [[ "$(task_state "$job" "$task")" == PENDING ]] && break
    sleep 0.05
  done
  [[ "$(task_state "$job" "$task")" == PENDING ]] ||
    fail "task $task of job $job is $(task_state "$job" "$task") after requeue, not PENDING"
  scontrol update JobId="${job}_${task}" StartTime=now ||
    fail "cannot release the requeued task ${job}_${task}"
}
