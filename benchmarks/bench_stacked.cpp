// Aggregate training speed of 16 ring8 runs (batch 64, one thread, a row
// every 10 steps) trained one after another against the same 16 trained as
// one stacked model, at hidden width 32 and 128:
//   build/bin/bench_stacked --benchmark_repetitions=3
// items/s is run-steps per second (16 runs x steps), so the ratio of the two
// benchmarks' items/s at one width is the speed-up of stacking.
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "config/sweep_plan.h"
#include "train/stacked_trainer.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

constexpr std::int64_t kSteps = 200;
constexpr int kRuns = 16;

std::vector<Experiment> sixteen_runs(std::int64_t hidden) {
  const std::string yaml =
      "data: {kind: ring8}\nmodel: {kind: mlp, hidden: " + std::to_string(hidden) +
      ", z_dim: 2}\n"
      "train: {batch: 64, steps: " +
      std::to_string(kSteps) +
      "}\n"
      "log: {every: 10, eval_every: 1000000, layer_every: 0, eval_samples: 100, "
      "sample_count: 0}\n"
      "sweep:\n  train.loss: [minimax, non_saturating]\n  train.lr: [1e-3, 2e-4]\n"
      "  train.seed: [0, 1, 2, 3]\n";
  std::vector<Experiment> runs;
  for (const auto& run : plan_sweep(parse_sweep_definition(yaml, "bench.yaml")).runs) {
    runs.push_back(run.experiment);
  }
  return runs;
}

void report_peak_memory(benchmark::State& state) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_SixteenRuns_Separate(benchmark::State& state) {
  at::set_num_threads(1);
  const auto runs = sixteen_runs(state.range(0));
  for (auto _ : state) {
    for (const auto& e : runs) {
      Trainer trainer(e, {});
      NullRecorder recorder;
      benchmark::DoNotOptimize(trainer.train(recorder));
    }
  }
  state.SetItemsProcessed(state.iterations() * kSteps * kRuns);
  report_peak_memory(state);
}

void BM_SixteenRuns_Stacked(benchmark::State& state) {
  at::set_num_threads(1);
  const auto runs = sixteen_runs(state.range(0));
  for (auto _ : state) {
    StackedTrainer trainer(runs, {});
    std::vector<NullRecorder> recorders(runs.size());
    std::vector<RunRecorder*> pointers;
    for (auto& r : recorders) pointers.push_back(&r);
    benchmark::DoNotOptimize(trainer.train(pointers));
  }
  state.SetItemsProcessed(state.iterations() * kSteps * kRuns);
  report_peak_memory(state);
}

BENCHMARK(BM_SixteenRuns_Separate)->Arg(32)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SixteenRuns_Stacked)->Arg(32)->Arg(128)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
