// Runs the runs of a sweep that are not yet finished, one after another in
// this process, recording everything in the sweep's database. Runs done or
// diverged are results and are skipped; queued, failed, interrupted and
// abandoned (killed while running) runs are trained again from step 0 after
// their partial rows are deleted, so no step row is ever stored twice.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>

#include "config/sweep_plan.h"
#include "quality/classifier_recipe.h"

namespace gansweep {

struct RunnerOptions {
  std::filesystem::path db_path;
  int threads = 1;                    // intra-op threads per run
  std::optional<std::string> device;  // overrides train.device
  bool interactive = false;           // draw a progress bar
  const std::atomic<bool>* stop_requested = nullptr;
  // Where the classifier that scores image runs is cached (trained there on
  // first use); empty: default_classifier_dir(db_path).
  std::filesystem::path classifier_dir;
  quality::ClassifierRecipe classifier_recipe;
};

struct SweepOutcome {
  int planned = 0;
  int skipped = 0;  // already done or diverged
  int busy = 0;     // being trained by another gansweep process on this host
  int done = 0;
  int diverged = 0;
  int failed = 0;
  int interrupted = 0;
};

// Throws store::StoreError when the database cannot be opened or written.
// Errors inside one run (bad data file, CUDA failure) fail that run only.
SweepOutcome run_sweep(const SweepPlan& plan, const RunnerOptions& options);

// results/<sweep name made safe as a file name>.db
std::filesystem::path default_db_path(const std::string& sweep_name);

// The classifier cache beside a database: results/classifiers for
// results/x.db.
std::filesystem::path default_classifier_dir(const std::filesystem::path& db_path);

// The folder of a database's per-run files: results/x.runs for
// results/x.db, exp.v1.runs for exp.v1.
std::filesystem::path runs_directory(const std::filesystem::path& db_path);

// Where a run's final generator weights go: <runs folder>/<run_key>/generator.pt
// beside the database (results/quickstart.runs/... for results/quickstart.db).
std::filesystem::path run_directory(const std::filesystem::path& db_path,
                                    const std::string& run_key);

}  // namespace gansweep
