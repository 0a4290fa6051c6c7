# A sweep trained on the cluster from start to end: `gansweep slurm
# --submit` runs one array task per run; one task is requeued while it
# trains and must resume from its checkpoint; `gansweep merge` then folds the
# shards into the sweep's database, where every run must be done once with
# every step row once. Needs `gansweep train-run`. Run as:
#   with_slurm.sh bash check_end_to_end.sh GANSWEEP_BINARY
set -euo pipefail
source "$(dirname "$0")/slurm_lib.sh"
gansweep=$1

readonly kSteps=1000 kLogEvery=2 kRuns=4
base=$(mktemp -d "${TMPDIR:-/tmp}/gansweep-slurm-e2e-XXXXXX")
trap 'rm -rf "$base"' EXIT
work="$base/sweep 'e2e'"
mkdir -p "$work"
cd "$work"
# About 2.5 s of one core per run here: long enough to requeue a task while
# it trains, short enough for the whole check to take well under a minute.
cat >e2e.yaml <<YAML
name: slurm_e2e
data: {kind: ring8}
model: {kind: mlp, hidden: 64, z_dim: 2}
train: {steps: $kSteps, batch: 64, d_steps: 3}
log: {every: $kLogEvery, eval_every: 250, eval_samples: 500, sample_count: 16}
sweep:
  train.loss: [minimax, non_saturating]
  train.seed: [0, 1]
YAML

db="$work/results/e2e.db"
shards="$work/results/e2e.shards"
out=$("$gansweep" slurm e2e.yaml --partition "$GANSWEEP_SLURM_PARTITION" --max-parallel 2 \
  --db results/e2e.db --submit 2>"$base/stderr") ||
  fail "gansweep slurm failed: $(cat "$base/stderr")"
script=$(sed -n 1p <<<"$out")
job=$(sed -n 2p <<<"$out")
mapfile -t keys <"${script%.sh}.keys"
((${#keys[@]} == kRuns)) || fail "${#keys[@]} run keys, not $kRuns"
logs="$work/results/e2e.slurm/logs"
note "submitted job $job: $kRuns tasks, at most 2 at a time"

# Requeue task 0 once its shard holds step rows, i.e. while it trains.
shard0="$shards/${keys[0]}.db"
rows=0
for ((i = 0; i < 120; ++i)); do
  if [[ -f "$shard0" ]]; then
    rows=$(sqlite3 -readonly -cmd '.timeout 2000' "$shard0" \
      "SELECT count(*) FROM steps" 2>/dev/null || echo 0)
  fi
  ((rows > 0)) && break
  state=$(task_state "$job" 0)
  if [[ "$state" != RUNNING && "$state" != PENDING && "$state" != CONFIGURING ]]; then
    fail "task 0 ended ($state) before its shard held a step row; its log:" \
      "$(cat "$logs/${job}_0.out" 2>/dev/null)"
  fi
  sleep 0.25
done
((rows > 0)) || fail "task 0 recorded no step row within 30 s"
((rows < kSteps / kLogEvery)) || fail "task 0 had finished ($rows rows) before the requeue"
requeue_task "$job" 0
note "requeued task 0 (run ${keys[0]}) at $rows of $((kSteps / kLogEvery)) step rows"

wait_for_job "$job" 45
states=$(task_states "$job")
expected=$'0 COMPLETED 1\n1 COMPLETED 0\n2 COMPLETED 0\n3 COMPLETED 0'
[[ "$states" == "$expected" ]] ||
  fail "task states (task state restarts): $(tr '\n' ';' <<<"$states")"
note "all tasks completed; task 0 after one restart"

# Task 0's log holds both attempts (--open-mode=append), the second told by
# SLURM_RESTART_COUNT that it was requeued; the second resumed.
log0="$logs/${job}_0.out"
grep -q "^gansweep: array task 0: run ${keys[0]} on .*, restart 0$" "$log0" ||
  fail "no first attempt in $log0: $(cat "$log0")"
grep -q "^gansweep: array task 0: run ${keys[0]} on .*, restart 1$" "$log0" ||
  fail "no second attempt in $log0: $(cat "$log0")"
# (-q: a match counts even when the second file does not exist.)
grep -qi 'resum' "$log0" "$shard0.log" 2>/dev/null ||
  fail "task 0 did not say that it resumed; its log: $(cat "$log0")"
note "task 0 resumed after its requeue"

"$gansweep" merge "$shards"/*.db -o "$db" 2>"$base/merge.err" >/dev/null ||
  fail "merge failed: $(cat "$base/merge.err")"
note "$(cat "$base/merge.err")"
q() { sqlite3 -readonly "$db" "$1"; }
[[ $(q "SELECT count(*) FROM runs WHERE status = 'done'") == "$kRuns" ]] ||
  fail "runs: $(q "SELECT run_key, status FROM runs")"
[[ $(q "SELECT count(*) FROM runs") == "$kRuns" ]] || fail "runs other than the sweep's"
per_run=$((kSteps / kLogEvery))
good=$(q "SELECT count(*) FROM (SELECT run_key, count(*) AS n, count(DISTINCT step) AS d,
          min(step) AS lo, max(step) AS hi, sum(step % $kLogEvery) AS off FROM steps
          GROUP BY run_key)
        WHERE n = $per_run AND d = $per_run AND lo = 0 AND hi = $((kSteps - kLogEvery))
          AND off = 0")
[[ "$good" == "$kRuns" ]] ||
  fail "step rows per run:" \
    "$(q "SELECT run_key, count(*), min(step), max(step) FROM steps GROUP BY 1")"
[[ $(q "SELECT count(*) FROM steps") == $((kRuns * per_run)) ]] || fail "stray step rows"
evals=$(q "SELECT count(DISTINCT n) FROM (SELECT count(*) AS n FROM evals GROUP BY run_key)")
[[ "$evals" == 1 ]] ||
  fail "runs differ in evaluations: $(q "SELECT run_key, count(*) FROM evals GROUP BY 1")"
[[ $(q "PRAGMA integrity_check") == ok ]] || fail "merged database is damaged"
note "merged: $kRuns runs done, $per_run step rows each, every step once"

before=$(sqlite3 -readonly "$db" .dump | md5sum)
"$gansweep" merge "$shards"/*.db -o "$db" 2>/dev/null >/dev/null || fail "second merge failed"
[[ "$(sqlite3 -readonly "$db" .dump | md5sum)" == "$before" ]] ||
  fail "merging again changed the database"
again=$("$gansweep" slurm e2e.yaml --partition "$GANSWEEP_SLURM_PARTITION" --db results/e2e.db 2>&1)
[[ "$again" == *"nothing to train: all $kRuns runs of sweep 'slurm_e2e' are finished"* ]] ||
  fail "a second gansweep slurm says: $again"
note "merging again changed nothing; nothing is left to train"
