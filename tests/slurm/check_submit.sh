# `gansweep slurm --submit` against the cluster, from a folder whose name is
# full of characters that bash or sbatch would act on: the array has one task
# per run, and each task's log lands in the logs folder under its job and
# task id and starts with the run key it was given. What `train-run` does
# after that line does not matter here. Run as:
#   with_slurm.sh bash check_submit.sh GANSWEEP_BINARY
set -euo pipefail
source "$(dirname "$0")/slurm_lib.sh"
gansweep=$1

base=$(mktemp -d "${TMPDIR:-/tmp}/gansweep-slurm-submit-XXXXXX")
trap 'rm -rf "$base"' EXIT
work="$base/runs 50% #1 'q' \$x \`touch pwned\`"
mkdir -p "$work"
cd "$work"
cat >"sweep file.yaml" <<'YAML'
name: slurm submit
data: {kind: ring8}
model: {kind: mlp, hidden: 8, z_dim: 2}
train: {steps: 20, batch: 16}
log: {eval_every: 10, eval_samples: 50, sample_count: 4}
sweep:
  train.seed: [0, 1, 2]
YAML

out=$("$gansweep" slurm "sweep file.yaml" --partition "$GANSWEEP_SLURM_PARTITION" --submit \
  2>"$base/stderr") || fail "gansweep slurm failed: $(cat "$base/stderr")"
script=$(sed -n 1p <<<"$out")
job=$(sed -n 2p <<<"$out")
[[ "$script" == "$work/results/slurm_submit.slurm/"*.sh ]] || fail "script path: $script"
[[ "$job" =~ ^[0-9]+$ ]] || fail "job id: '$job'"
grep -q "gansweep: submitted job $job" "$base/stderr" || fail "no job id in: $(cat "$base/stderr")"
mapfile -t keys <"${script%.sh}.keys"
((${#keys[@]} == 3)) || fail "${#keys[@]} run keys, not 3"
note "submitted job $job from $script"

wait_for_job "$job" 40
states=$(task_states "$job")
note "task states: $(tr '\n' ';' <<<"$states")"
[[ $(awk '$2 == "COMPLETED" || $2 == "FAILED"' <<<"$states" | wc -l) == 3 ]] ||
  fail "tasks did not all end: $states"
for task in 0 1 2; do
  log="$work/results/slurm_submit.slurm/logs/${job}_${task}.out"
  [[ -f "$log" ]] || fail "no log $log"
  first=$(head -n 1 "$log")
  [[ "$first" == "gansweep: array task $task: run ${keys[task]} on $(hostname), restart 0" ]] ||
    fail "log of task $task starts with: $first"
done
found=$(find "$base" -name pwned 2>/dev/null | head -n 1)
[[ -z "$found" ]] || fail "a name was run as a command: $found"
note "3 tasks logged under job and task id, each with its run key"
