// Expanding a sweep file into its runs: a grid of 1,000,000 runs (the most
// a sweep may plan) with run keys, and one of 1,000, so the cost per run can
// be read from one output. Reports peak resident memory.
//   build/bin/bench_plan
#include <sys/resource.h>

#include <string>

#include <benchmark/benchmark.h>

#include "config/sweep_plan.h"

namespace gansweep {
namespace {

// seeds x learning rates x d_steps x losses = `runs`.
std::string grid(int seeds) {
  std::string yaml =
      "name: grid\n"
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating, least_squares, hinge, wasserstein_gp]\n"
      "  train.d_steps: [1, 2, 5, 10]\n"
      "  train.lr: [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2]\n"
      "  train.seed: [";
  for (int i = 0; i < seeds; ++i) yaml += (i ? ", " : "") + std::to_string(i);
  return yaml + "]\n";
}

void BM_PlanGrid(benchmark::State& state) {
  const std::string yaml = grid(static_cast<int>(state.range(0)) / 200);
  std::size_t runs = 0;
  for (auto _ : state) {
    const SweepPlan plan = plan_sweep(parse_sweep_definition(yaml, "grid.yaml"));
    runs = plan.runs.size();
    benchmark::DoNotOptimize(plan.runs.data());
  }
  state.counters["runs"] = static_cast<double>(runs);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(runs));
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

BENCHMARK(BM_PlanGrid)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
