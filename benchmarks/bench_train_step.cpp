// Cost of a training step, with recording off and with a row recorded every
// step into a real SQLite file, so the price of recording can be read as a
// ratio from one run:
//   build/bin/bench_train_step --benchmark_repetitions=3
// Two models: the quickstart's ring8 MLP (hidden 128) at batch 64 and 256,
// and the Fashion-MNIST DCGAN of width 16 at batch 64, with the 64 noise
// dimensions of fashion_mnist_ns_vs_mm.yaml (z:64) and the 100 of
// tools/bench-peer --dcgan (z:100). Each iteration trains a fresh run (500
// ring8 steps, 200 DCGAN steps); items/s is steps per second of CPU time.
// peak_rss_MiB is the process's peak so far, the benchmarks before included.
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

constexpr std::int64_t kRing8Steps = 500;
// About 6 s on one core: a DCGAN step costs as much as some 35 ring8 steps.
constexpr std::int64_t kDcganSteps = 200;

// The log settings of a benchmark run: a row every step or none, and no
// evaluations, layer gradients or samples beyond the run's final evaluation.
std::string log_settings(bool record) {
  return std::string("log: {every: ") + (record ? "1" : "1000000000") +
         ", eval_every: 1000000000, layer_every: 0, eval_samples: 100, sample_count: 0}\n";
}

Experiment plan_one(const std::string& yaml) {
  return plan_sweep(parse_sweep_definition(yaml, "bench.yaml")).runs.at(0).experiment;
}

Experiment ring8_run(std::int64_t batch, bool record) {
  return plan_one(
      "data: {kind: ring8}\nmodel: {kind: mlp, hidden: 128, z_dim: 2}\n"
      "train: {steps: " +
      std::to_string(kRing8Steps) + ", batch: " + std::to_string(batch) + "}\n" +
      log_settings(record));
}

// fashion_mnist_ns_vs_mm.yaml's model and optimiser, with the
// non-saturating loss at lr 2e-4 and one D step (also tools/bench-peer's).
Experiment fashion_dcgan_run(std::int64_t z_dim, bool record) {
  return plan_one(
      "data: {kind: fashion_mnist}\nmodel: {kind: dcgan, width: 16, z_dim: " +
      std::to_string(z_dim) + "}\ntrain: {steps: " + std::to_string(kDcganSteps) +
      ", batch: 64, loss: non_saturating, lr: 2e-4, beta1: 0.5, beta2: 0.999, device: cpu}\n" +
      log_settings(record));
}

void report_peak_memory(benchmark::State& state) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void check_done(benchmark::State& state, const TrainResult& result) {
  if (result.status != store::RunStatus::kDone) state.SkipWithError("the run did not finish");
}

// Each iteration trains a fresh run of `e` and discards its rows.
void time_without_recording(benchmark::State& state, const Experiment& e) {
  at::set_num_threads(1);
  for (auto _ : state) {
    Trainer trainer(e, {});
    NullRecorder recorder;
    const TrainResult result = trainer.train(recorder);
    check_done(state, result);
  }
  state.SetItemsProcessed(state.iterations() * e.steps);
  report_peak_memory(state);
}

// Each iteration trains a fresh run of `e` and writes its rows through
// StoreRecorder into one SQLite file in the temp folder, as a run process does.
void time_recording_to_sqlite(benchmark::State& state, const Experiment& e) {
  at::set_num_threads(1);
  const auto db = std::filesystem::temp_directory_path() /
                  ("gansweep-bench-" + std::to_string(getpid()) + ".db");
  auto store = store::ResultStore::open_for_writing(db);
  const std::string key = "bench";
  store->register_sweep({"bench", "bench.yaml", ""}, {{key, 0, "{}", {}}});
  for (auto _ : state) {
    store->start_run(key, {});
    Trainer trainer(e, {});
    StoreRecorder recorder(*store, key);
    const TrainResult result = trainer.train(recorder);
    store->flush();
    check_done(state, result);
  }
  state.SetItemsProcessed(state.iterations() * e.steps);
  report_peak_memory(state);
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db.string() + suffix);
  }
}

void BM_Ring8Step_NoRecording(benchmark::State& state) {
  time_without_recording(state, ring8_run(state.range(0), false));
}

void BM_Ring8Step_RecordEveryStepToSqlite(benchmark::State& state) {
  time_recording_to_sqlite(state, ring8_run(state.range(0), true));
}

// The training set is read once per process (preload_training_images), before
// the timed loop, so no iteration pays for decompressing it.
void BM_FashionDcganStep_NoRecording(benchmark::State& state) {
  const Experiment e = fashion_dcgan_run(state.range(0), false);
  preload_training_images(e.data_path);
  time_without_recording(state, e);
}

void BM_FashionDcganStep_RecordEveryStepToSqlite(benchmark::State& state) {
  const Experiment e = fashion_dcgan_run(state.range(0), true);
  preload_training_images(e.data_path);
  time_recording_to_sqlite(state, e);
}

BENCHMARK(BM_Ring8Step_NoRecording)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ring8Step_RecordEveryStepToSqlite)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FashionDcganStep_NoRecording)
    ->ArgName("z")
    ->Arg(64)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FashionDcganStep_RecordEveryStepToSqlite)
    ->ArgName("z")
    ->Arg(64)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
