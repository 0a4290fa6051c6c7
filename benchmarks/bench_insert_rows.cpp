// Writing result rows into SQLite as run processes do (StoreRecorder into
// ResultStore, batched transactions, WAL), without the training in between:
// how many rows a second the store takes, and what they cost on disk once
// the store is closed and the WAL is checkpointed into the database file.
//   build/bin/bench_insert_rows
// Each iteration writes a fresh database in the temp folder; opening it,
// registering the sweep, closing it and measuring it are not timed. items/s
// is step rows per second of wall-clock time. Counters:
//   bytes_per_step_row  the database file's size over its step rows
//   steps_table_bytes_per_row, layer_grads_bytes_per_step,
//   evals_bytes_per_step, samples_bytes_per_step
//                       each table's pages (SQLite's dbstat) over the step rows
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "config/sweep_plan.h"
#include "runner/run_registration.h"
#include "runner/store_recorder.h"
#include "store/database.h"
#include "store/result_store.h"

namespace gansweep {
namespace {

namespace fs = std::filesystem;

// 2 losses x 25 seeds = 50 runs of the quickstart's 2000 steps: 100,000 step
// rows an iteration, and nothing else.
constexpr const char* kStepRowsSweep = R"(name: insert_rows
data: {kind: ring8}
model: {kind: mlp, hidden: 128, z_dim: 2}
train: {steps: 2000, batch: 64, beta1: 0.5, beta2: 0.999}
log: {every: 1, eval_every: 250}
sweep:
  train.loss: [minimax, non_saturating]
  train.seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
               13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
)";

// The settings of experiments/fashion_mnist_ns_vs_mm.yaml: 16 runs of 1500
// steps, each recording a step row every step, layer gradients every 50
// steps, and an evaluation with 64 samples every 500 (and at step 0).
constexpr const char* kFashionSweep = R"(name: fashion_mnist_ns_vs_mm
data: {kind: fashion_mnist}
model: {kind: dcgan, width: 16, z_dim: 64}
train: {steps: 1500, batch: 64, beta1: 0.5, beta2: 0.999}
log: {every: 1, eval_every: 500, layer_every: 50, sample_count: 64}
sweep:
  train.loss: [minimax, non_saturating]
  train.lr: [2e-4, 1e-3]
  train.d_steps: [1, 5]
  train.seed: [0, 1]
)";

// Parameter names of the width-16 DCGAN (models/dcgan.cpp) as the trainer
// records them: only their number and length matter here.
const std::vector<std::pair<std::string, std::string>>& dcgan_parameters() {
  static const std::vector<std::pair<std::string, std::string>> names = [] {
    std::vector<std::pair<std::string, std::string>> list;
    for (const char* layer : {"0.weight", "1.weight", "1.bias", "3.weight", "4.weight", "4.bias",
                              "6.weight", "7.weight", "7.bias", "9.weight", "9.bias"}) {
      list.emplace_back("G", std::string("layers.") + layer);
    }
    for (const char* layer : {"0.weight", "0.bias", "2.weight", "3.weight", "3.bias", "5.weight",
                              "6.weight", "6.bias", "8.weight", "8.bias"}) {
      list.emplace_back("D", std::string("layers.") + layer);
    }
    return list;
  }();
  return names;
}

// Rows of made-up values, drawn before timing starts so that only the
// store's work is timed. The values have fractional parts, as training's do:
// SQLite writes an integral REAL as a small integer, which would understate
// the size of a row.
class RowMaker {
 public:
  RowMaker() {
    std::mt19937_64 random(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::lognormal_distribution<double> norm(0.0, 1.0);
    for (store::StepRow& row : steps_) {
      row.d_loss = 1.4 * unit(random);
      row.g_loss = 3.0 * unit(random);
      row.g_grad_norm = norm(random);
      row.d_grad_norm = norm(random);
      row.d_real = unit(random);
      row.d_fake = unit(random);
      row.d_real_logit = 4.0 * unit(random) - 2.0;
      row.d_fake_logit = 4.0 * unit(random) - 2.0;
      row.dg_dp = norm(random);
      row.dg_dlogit = unit(random);
      row.wall_ms = 20.0 + unit(random);
    }
    for (double& value : norms_) value = norm(random);
    for (float& value : pixels_) value = static_cast<float>(2.0 * unit(random) - 1.0);
  }

  store::StepRow step(std::int64_t step) const {
    store::StepRow row = steps_[static_cast<std::size_t>(step) % steps_.size()];
    row.step = step;
    return row;
  }

  std::vector<store::LayerGradRow> layer_grads(std::int64_t step) const {
    std::vector<store::LayerGradRow> rows;
    std::size_t i = static_cast<std::size_t>(step);
    for (const auto& [net, layer] : dcgan_parameters()) {
      rows.push_back({step, net, layer, norms_[i++ % norms_.size()]});
    }
    return rows;
  }

  store::EvalRow eval(std::int64_t step) const {
    store::EvalRow row;
    row.step = step;
    row.frechet_distance = 600.0 * norms_[0];
    row.classes_covered = 7.5;
    row.class_kl = norms_[1];
    return row;
  }

  // (count, 1, 28, 28) generator outputs in [-1, 1], count at most 64.
  store::SampleRow sample(std::int64_t step, std::int64_t count) const {
    store::SampleRow row;
    row.step = step;
    row.shape = {count, 1, 28, 28};
    row.values.assign(pixels_.begin(), pixels_.begin() + count * 28 * 28);
    return row;
  }

 private:
  std::vector<store::StepRow> steps_ = std::vector<store::StepRow>(4096);
  std::vector<double> norms_ = std::vector<double>(4096);
  std::vector<float> pixels_ = std::vector<float>(64 * 28 * 28);
};

// What a run process records for one run, in the trainer's order: the
// evaluation at step 0, then per step its row, its layer gradients and, when
// due, the evaluation after it. `full` adds everything but the step rows.
void record_run(RunRecorder& recorder, const Experiment& e, bool full, const RowMaker& rows) {
  const auto evaluate = [&](std::int64_t steps_done) {
    if (!full) return;
    recorder.record_eval(rows.eval(steps_done));
    if (e.sample_count > 0) recorder.record_sample(rows.sample(steps_done, e.sample_count));
  };
  evaluate(0);
  for (std::int64_t step = 0; step < e.steps; ++step) {
    if (step % e.log_every == 0) recorder.record_step(rows.step(step));
    if (full && e.layer_every > 0 && step % e.layer_every == 0) {
      recorder.record_layer_grads(rows.layer_grads(step));
    }
    const std::int64_t steps_done = step + 1;
    if (steps_done % e.eval_every == 0 || steps_done == e.steps) evaluate(steps_done);
  }
}

// What a closed database holds: its size, its step rows, and the bytes of
// each table's pages.
struct DatabaseUse {
  double file_bytes = 0;
  std::int64_t step_rows = 0;
  std::map<std::string, double> table_bytes;
};

DatabaseUse measure(const fs::path& path) {
  DatabaseUse use;
  // Closing the store's connection checkpointed the WAL into the file and
  // removed it; a WAL left behind would still count.
  use.file_bytes = static_cast<double>(fs::file_size(path));
  const fs::path wal = path.string() + "-wal";
  if (fs::exists(wal)) use.file_bytes += static_cast<double>(fs::file_size(wal));

  auto db = store::open_database_read_only(path);
  {
    store::Statement count = db->prepare("SELECT count(*) FROM steps", "cannot count steps");
    count.step();
    use.step_rows = count.column_int64(0);
  }
  {
    store::Statement pages =
        db->prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name", "cannot read dbstat");
    while (pages.step()) {
      use.table_bytes[pages.column_text(0)] = static_cast<double>(pages.column_int64(1));
    }
  }
  return use;
}

// Writes every run of the sweep `yaml` into a fresh database per iteration
// and reports the insert rate and the bytes per step row.
void insert_sweep(benchmark::State& state, const char* yaml, bool full) {
  const SweepPlan plan = plan_sweep(parse_sweep_definition(yaml, "bench.yaml"));
  const fs::path db =
      fs::temp_directory_path() / ("gansweep-bench-insert-" + std::to_string(getpid()) + ".db");
  const auto remove_files = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
  };
  store::RunEnvironment env;
  env.device = "cpu";
  env.host = "bench";
  env.pid = getpid();

  std::int64_t expected_step_rows = 0;
  for (const PlannedRun& run : plan.runs) {
    const Experiment& e = run.experiment;
    expected_step_rows += (e.steps + e.log_every - 1) / e.log_every;
  }

  const RowMaker rows;
  DatabaseUse use;
  for (auto _ : state) {
    state.PauseTiming();
    remove_files();
    auto store = store::ResultStore::open_for_writing(db);
    store->register_sweep(sweep_record(plan), run_records(plan, std::nullopt));
    state.ResumeTiming();

    for (const PlannedRun& run : plan.runs) {
      store->start_run(run.run_key, env);
      StoreRecorder recorder(*store, run.run_key);
      record_run(recorder, run.experiment, full, rows);
      store::RunOutcome outcome;
      outcome.steps_done = run.experiment.steps;
      store->finish_run(run.run_key, outcome);
    }

    state.PauseTiming();
    store.reset();
    use = measure(db);
    if (use.step_rows != expected_step_rows) state.SkipWithError("the database lacks step rows");
    state.ResumeTiming();
  }
  remove_files();

  state.SetItemsProcessed(state.iterations() * expected_step_rows);
  const double per_row = 1.0 / static_cast<double>(expected_step_rows);
  state.counters["bytes_per_step_row"] = use.file_bytes * per_row;
  state.counters["steps_table_bytes_per_row"] = use.table_bytes["steps"] * per_row;
  if (full) {
    state.counters["layer_grads_bytes_per_step"] = use.table_bytes["layer_grads"] * per_row;
    state.counters["evals_bytes_per_step"] = use.table_bytes["evals"] * per_row;
    state.counters["samples_bytes_per_step"] = use.table_bytes["samples"] * per_row;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// 50 runs x 2000 step rows, nothing else.
void BM_InsertStepRows(benchmark::State& state) { insert_sweep(state, kStepRowsSweep, false); }

// The 16 runs of fashion_mnist_ns_vs_mm.yaml with all they record: 24,000
// step rows, 10,080 layer gradient rows, 64 evaluations with their samples.
void BM_InsertFashionRecording(benchmark::State& state) {
  insert_sweep(state, kFashionSweep, true);
}

// Wall-clock time, so that waiting for the disk counts against the rate.
BENCHMARK(BM_InsertStepRows)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InsertFashionRecording)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gansweep

BENCHMARK_MAIN();
