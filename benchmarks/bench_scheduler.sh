#!/usr/bin/env bash
# Sweep throughput of the scheduler: total training steps per second of a
# whole sweep (process start-up, data, checkpoints and database writes
# included) with one run at a time and with two at a time, one LibTorch
# thread per run, plus one run at a time with two threads, the other way to
# use two cores. The modes alternate, ROUNDS times, so that a noisy machine
# affects them alike; each line is one sweep, and the summary gives the
# medians and the ratio to one run at a time.
#
#   benchmarks/bench_scheduler.sh [ROUNDS] [DEVICES]
#
# DEVICES (default cpu) is passed to --devices: "cuda:0" measures a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
devices=${2:-cpu}
bin=build/bin/gansweep
[[ -x $bin ]] || { echo "bench_scheduler: $bin is missing; run tools/build first" >&2; exit 1; }

work=$(mktemp -d /tmp/gansweep-bench-scheduler.XXXXXX)
trap 'rm -rf "$work"' EXIT
runs=8
steps=2000
cat >"$work/bench.yaml" <<YAML
# ring8, the quickstart's model: 8 runs of $steps steps.
name: bench-scheduler
data: {kind: ring8}
model: {kind: mlp, hidden: 128, z_dim: 2}
train: {steps: $steps, batch: 64}
log: {every: 1, eval_every: 500}
sweep:
  train.loss: [minimax, non_saturating]
  train.lr: [1e-4, 1e-3]
  train.seed: [0, 1]
YAML

declare -A rates
modes=("jobs1-threads1" "jobs2-threads1" "jobs1-threads2")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "sweep: $runs runs x $steps steps (ring8 MLP hidden 128, batch 64), devices $devices"
for round in $(seq 1 "$rounds"); do
  for mode in "${modes[@]}"; do
    jobs=${mode#jobs}; jobs=${jobs%%-*}
    threads=${mode##*threads}
    db="$work/$mode-$round.db"
    start=$(date +%s.%N)
    "$bin" run "$work/bench.yaml" --db "$db" --jobs "$jobs" --threads "$threads" \
      --devices "$devices" >/dev/null 2>"$work/err.txt" ||
      { cat "$work/err.txt" >&2; exit 1; }
    end=$(date +%s.%N)
    rate=$(awk -v s="$start" -v e="$end" -v n=$((runs * steps)) 'BEGIN { printf "%.0f", n / (e - s) }')
    rates[$mode]="${rates[$mode]:-} $rate"
    printf '%-16s round %d: %6s steps/s (%.1f s)\n' "$mode" "$round" "$rate" \
      "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base=$(echo "${rates[jobs1-threads1]}" | median)
echo "summary (median steps/s over $rounds rounds, ratio to one run at a time):"
for mode in "${modes[@]}"; do
  m=$(echo "${rates[$mode]}" | median)
  printf '  %-16s %6s steps/s  %.2fx\n' "$mode" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { print a / b }')"
done
