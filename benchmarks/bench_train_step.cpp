// Cost of a training step of the quickstart's ring8 MLP (hidden 128), with
// recording off and with a row recorded every step into a real SQLite file,
// so the price of recording can be read as a ratio from one run:
//   build/bin/bench_train_step --benchmark_repetitions=3
// Each iteration trains a fresh run of 500 steps; items/s is steps/s.
#include <sys/resource.h>

#include <filesystem>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "config/sweep_plan.h"
#include "runner/store_recorder.h"
#include "store/result_store.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

constexpr std::int64_t kSteps = 500;

Experiment ring8_run(std::int64_t batch, bool record) {
  const std::string yaml =
      "data: {kind: ring8}\nmodel: {kind: mlp, hidden: 128, z_dim: 2}\n"
      "train: {steps: " +
      std::to_string(kSteps) + ", batch: " + std::to_string(batch) +
      "}\nlog: {every: " + (record ? std::string("1") : std::string("1000000000")) +
      ", eval_every: 1000000000, layer_every: 0, eval_samples: 100, sample_count: 0}\n";
  return plan_sweep(parse_sweep_definition(yaml, "bench.yaml")).runs.at(0).experiment;
}

void report_peak_memory(benchmark::State& state) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_Ring8Step_NoRecording(benchmark::State& state) {
  at::set_num_threads(1);
  const Experiment e = ring8_run(state.range(0), false);
  for (auto _ : state) {
    Trainer trainer(e, {});
    NullRecorder recorder;
    benchmark::DoNotOptimize(trainer.train(recorder));
  }
  state.SetItemsProcessed(state.iterations() * kSteps);
  report_peak_memory(state);
}

void BM_Ring8Step_RecordEveryStepToSqlite(benchmark::State& state) {
  at::set_num_threads(1);
  const Experiment e = ring8_run(state.range(0), true);
  const auto db = std::filesystem::temp_directory_path() /
                  ("gansweep-bench-" + std::to_string(getpid()) + ".db");
  auto store = store::ResultStore::open_for_writing(db);
  const std::string key = "bench";
  store->register_sweep({"bench", "bench.yaml", ""}, {{key, 0, "{}", {}}});
  for (auto _ : state) {
    store->start_run(key, {});
    Trainer trainer(e, {});
    StoreRecorder recorder(*store, key);
    benchmark::DoNotOptimize(trainer.train(recorder));
    store->flush();
  }
  state.SetItemsProcessed(state.iterations() * kSteps);
  report_peak_memory(state);
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db.string() + suffix);
  }
}

BENCHMARK(BM_Ring8Step_NoRecording)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ring8Step_RecordEveryStepToSqlite)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
