// Trains one run of a sweep in this process: the body of a run process,
// which the scheduler starts once per run (`gansweep train-run`) so that a
// crash, a CUDA error or running out of memory ends that run only.
//
// The worker claims the run in the database, resumes it from its checkpoint
// when there is one (keeping exactly the rows the checkpoint covers), trains
// it, writes checkpoints along the way, and records the outcome. A finished
// run keeps its generator weights and loses its checkpoint.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/sweep_plan.h"
#include "quality/classifier_recipe.h"
#include "store/records.h"
#include "store/result_store.h"

namespace gansweep {

struct WorkerOptions {
  std::filesystem::path db_path;
  int threads = 1;                    // intra-op threads
  std::optional<std::string> device;  // overrides train.device
  double checkpoint_seconds = 60;
  // A shard on a network file system uses a rollback journal (see
  // store::JournalMode).
  store::JournalMode journal = store::JournalMode::kWal;
  // Where Fashion-MNIST runs find (or train, if absent) their classifier,
  // and how it is trained (tests use a tiny recipe).
  std::filesystem::path classifier_dir;
  quality::ClassifierRecipe classifier_recipe;
  const std::atomic<bool>* stop_requested = nullptr;
  std::function<void(std::int64_t)> on_step;           // steps done so far
  std::function<void(std::int64_t)> on_resumed;        // the checkpoint's step
  std::function<void(const std::string&)> on_warning;  // also in the run's log
};

struct WorkerResult {
  store::StartOutcome claim = store::StartOutcome::kStarted;
  std::optional<std::int64_t> resumed_from;  // the checkpoint's step
  store::RunOutcome outcome;                 // meaningful when the run was claimed
};

// Registers the run in the database first when it is not there (a fresh
// shard database). Throws store::StoreError when the database fails; any
// other error fails the run and is recorded with it.
WorkerResult train_run_in_process(const SweepPlan& plan, const PlannedRun& run,
                                  const WorkerOptions& options);

// Trains runs of a sweep together as one stacked model in this process
// (train/stacked_trainer.h): the body of a run process given several runs.
// Each run is claimed, recorded and finished as with train_run_in_process,
// marked execution 'stacked' with the group's id; a run that diverges is
// finished at once while the others go on. The group checkpoints as one and
// resumes only as the same group (the same runs), from
// run_directory(db, stack_group_id(keys)). Runs already finished are left
// out. When any run is held by another live process nothing is claimed and
// every result says kBusy. Results are in the order of `runs`, which must
// be sorted by run key.
std::vector<WorkerResult> train_stacked_group_in_process(const SweepPlan& plan,
                                                         const std::vector<const PlannedRun*>& runs,
                                                         const WorkerOptions& options);

}  // namespace gansweep
