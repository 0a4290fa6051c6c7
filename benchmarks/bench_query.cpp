// The grouped comparison over a 10-million-row database: 1000 runs (2 losses
// x 2 step ratios x 5 learning rates x 50 seeds) of 10,000 recorded steps.
// The database is generated once (about a minute) and kept in the temp
// folder; each iteration answers "per loss and step ratio, g_grad_norm and
// dg_dlogit over steps 0-200, with bootstrap intervals".
//   build/bin/bench_query
#include <sys/resource.h>

#include <filesystem>
#include <random>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "query/group_comparison.h"
#include "query/run_table.h"
#include "query/window_summary.h"
#include "store/result_store.h"

namespace gansweep {
namespace {

namespace fs = std::filesystem;

constexpr int kRuns = 1000;
constexpr int kStepsPerRun = 10000;

fs::path bench_database() {
  const fs::path path = fs::temp_directory_path() / "gansweep-bench-10m-steps.db";
  if (fs::exists(path)) {
    // Made by an older gansweep: opening it for writing migrates the schema
    // (a few added columns), which readers do not do.
    store::ResultStore::open_for_writing(path);
    return path;
  }
  const fs::path partial = path.string() + ".partial";
  fs::remove(partial);
  {
    auto store = store::ResultStore::open_for_writing(partial);
    store->set_flush_policy(100000, std::chrono::seconds(60));
    std::vector<store::RunRecord> runs;
    const char* losses[] = {"minimax", "non_saturating"};
    const double rates[] = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3};
    for (int i = 0; i < kRuns; ++i) {
      const int seed = i % 50;
      const double lr = rates[(i / 50) % 5];
      const int d_steps = (i / 250) % 2 == 0 ? 1 : 5;
      const char* loss = losses[i / 500];
      runs.push_back({fmt::format("{:016x}", i),
                      i,
                      fmt::format(R"({{"train":{{"loss":"{}","lr":{},"d_steps":{},"seed":{}}}}})",
                                  loss, lr, d_steps, seed),
                      {}});
    }
    store->register_sweep({"bench", "bench.yaml", ""}, runs);
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> norm(0.0, 1.0);
    for (const auto& run : runs) {
      store->start_run(run.run_key, {});
      for (int step = 0; step < kStepsPerRun; ++step) {
        store::StepRow row;
        row.step = step;
        row.d_loss = norm(random);
        row.g_loss = norm(random);
        row.g_grad_norm = norm(random);
        row.d_grad_norm = norm(random);
        row.d_real = 0.5;
        row.d_fake = 0.5;
        row.dg_dp = 2.0;
        row.dg_dlogit = norm(random) / 10;
        row.wall_ms = 1.0;
        store->append_step(run.run_key, row);
      }
      store->finish_run(run.run_key, {});
    }
  }
  fs::rename(partial, path);
  return path;
}

void report_peak_memory(benchmark::State& state) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_GroupedComparison10M(benchmark::State& state) {
  const fs::path db = bench_database();
  for (auto _ : state) {
    const query::RunTable runs = query::query_runs(db, {});
    const auto comparison = query::compare_groups(db, runs, {"train.loss", "train.d_steps"},
                                                  {0, 200}, {"g_grad_norm", "dg_dlogit"});
    benchmark::DoNotOptimize(comparison);
  }
  state.counters["runs"] = kRuns;
  state.counters["step_rows"] = static_cast<double>(kRuns) * kStepsPerRun;
  report_peak_memory(state);
}

void BM_WindowSummary10M(benchmark::State& state) {
  const fs::path db = bench_database();
  for (auto _ : state) {
    benchmark::DoNotOptimize(query::summarize_window(db, "g_grad_norm", "train.loss", {0, 200}));
  }
  report_peak_memory(state);
}

BENCHMARK(BM_GroupedComparison10M)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WindowSummary10M)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
