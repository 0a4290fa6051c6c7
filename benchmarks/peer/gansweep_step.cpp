// gansweep's side of tools/bench-peer: times training steps of gansweep's own
// Trainer::train, with recording off or with a step row recorded every step
// into a real SQLite file through ResultStore and StoreRecorder. Prints one
// line, `steps_per_s=X`; torch_step.py is the Python side.
//   bench_peer_step ring8|dcgan BATCH off|sqlite WARMUP STEPS [DB]
// Each call is one measurement: the first WARMUP steps are not timed, the
// next STEPS are. One extra step follows, so the run's final evaluation falls
// outside the timed window; evaluations are otherwise off, and so are layer
// gradients, so "sqlite" adds exactly one step row per step.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "config/sweep_plan.h"
#include "runner/store_recorder.h"
#include "store/result_store.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

using Clock = std::chrono::steady_clock;

// The quickstart's settings (Adam lr 2e-4, betas 0.5/0.999, one D and one G
// update per step, non_saturating) on ring8 with the hidden-128 MLP, or on
// Fashion-MNIST with a DCGAN of width 16 and 100 noise dimensions.
Experiment bench_run(const std::string& model, std::int64_t batch, bool record,
                     std::int64_t steps) {
  const std::string every = record ? "1" : "1000000000";
  std::string yaml;
  if (model == "ring8") {
    yaml = "data: {kind: ring8}\nmodel: {kind: mlp, hidden: 128, z_dim: 2}\n";
  } else if (model == "dcgan") {
    yaml = "data: {kind: fashion_mnist}\nmodel: {kind: dcgan, width: 16, z_dim: 100}\n";
  } else {
    throw std::invalid_argument("model must be ring8 or dcgan, got " + model);
  }
  yaml += "train: {steps: " + std::to_string(steps) + ", batch: " + std::to_string(batch) +
          ", loss: non_saturating, lr: 2e-4, beta1: 0.5, beta2: 0.999, device: cpu}\n"
          "log: {every: " +
          every + ", eval_every: 1000000000, layer_every: 0, eval_samples: 100, sample_count: 0}\n";
  return plan_sweep(parse_sweep_definition(yaml, "bench-peer.yaml")).runs.at(0).experiment;
}

int run(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: bench_peer_step ring8|dcgan BATCH off|sqlite WARMUP STEPS [DB]\n");
    return 2;
  }
  const std::string model = argv[1];
  const std::int64_t batch = std::stoll(argv[2]);
  const std::string recording = argv[3];
  const std::int64_t warmup = std::stoll(argv[4]);
  const std::int64_t timed = std::stoll(argv[5]);
  if (recording != "off" && recording != "sqlite") {
    std::fprintf(stderr, "recording must be off or sqlite, got %s\n", recording.c_str());
    return 2;
  }
  const bool record = recording == "sqlite";
  at::set_num_threads(1);

  Clock::time_point window_start;
  Clock::time_point window_end;
  TrainOptions options;
  options.device = torch::kCPU;
  options.on_step = [&](std::int64_t steps_done) {
    if (steps_done == warmup) window_start = Clock::now();
    if (steps_done == warmup + timed) window_end = Clock::now();
  };
  const Experiment experiment = bench_run(model, batch, record, warmup + timed + 1);
  Trainer trainer(experiment, options);

  TrainResult result;
  if (record) {
    const std::filesystem::path db =
        argc > 6 ? std::filesystem::path(argv[6])
                 : std::filesystem::temp_directory_path() /
                       ("gansweep-bench-peer-" + std::to_string(getpid()) + ".db");
    {
      auto store = store::ResultStore::open_for_writing(db);
      const std::string key = "bench-peer";
      store->register_sweep({"bench-peer", "bench-peer.yaml", ""}, {{key, 0, "{}", {}}});
      store->start_run(key, {});
      StoreRecorder recorder(*store, key);
      result = trainer.train(recorder);
      store->flush();
    }
    if (argc <= 6) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(db.string() + suffix);
      }
    }
  } else {
    NullRecorder recorder;
    result = trainer.train(recorder);
  }
  if (result.status != store::RunStatus::kDone) {
    std::fprintf(stderr, "the run did not finish (diverged?)\n");
    return 1;
  }
  const double seconds = std::chrono::duration<double>(window_end - window_start).count();
  std::printf("steps_per_s=%.3f\n", static_cast<double>(timed) / seconds);
  return 0;
}

}  // namespace
}  // namespace gansweep

int main(int argc, char** argv) {
  try {
    return gansweep::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_peer_step: %s\n", error.what());
    return 1;
  }
}
