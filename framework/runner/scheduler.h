// Runs the unfinished runs of a sweep, several at a time, each in a process
// of its own (`gansweep train-run`), so that a crash, a CUDA error or an
// out-of-memory kill ends one run and never the sweep. Torch-free: it
// starts processes and reads the database, nothing more.
//
// Durability comes from the run processes, not from this one: each claims
// its run in the database, checkpoints it, and resumes from the checkpoint
// when started again. Killing this process (even with SIGKILL) makes the
// kernel send SIGTERM to its runs, which checkpoint and stop; the next
// `gansweep run` of the same file resumes them.
//
// Several processes write one database: each run process writes its own
// rows in batched WAL transactions, and SQLite's busy timeout serialises
// the commits. This keeps a crash in one run from losing another run's
// rows, which funnelling all writes through this process would not.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "config/sweep_plan.h"

namespace gansweep {

struct SchedulerOptions {
  std::filesystem::path db_path;
  std::filesystem::path program;  // the gansweep binary the run processes run
  // Where runs go, one slot per entry, used round-robin: {"cuda:0",
  // "cuda:1", "cuda:0", "cuda:1"} runs two per GPU. Empty: `jobs` slots,
  // each run on its own train.device.
  std::vector<std::string> slot_devices;
  int jobs = 1;                   // runs at once when slot_devices is empty
  int threads = 1;                // LibTorch intra-op threads per run
  int retries = 0;                // extra attempts for a run that crashed or failed
  double time_limit_seconds = 0;  // per attempt; 0: none
  double checkpoint_seconds = 60;
  std::filesystem::path classifier_dir;  // passed on to the run processes
  std::vector<std::string> only;         // run keys to train; empty: all
  // Train runs that can share a model as stacked groups (run_groups.h),
  // each group in one run process.
  bool vectorise = true;
  bool interactive = false;  // draw a progress bar
  // Set by the first Ctrl-C: no new runs start, runs in flight are asked to
  // stop (they checkpoint and are marked interrupted).
  const std::atomic<bool>* stop_requested = nullptr;
};

struct SweepOutcome {
  int planned = 0;
  int skipped = 0;  // already done or diverged
  int done = 0;
  int diverged = 0;
  int failed = 0;
  int interrupted = 0;
  int resumed = 0;  // runs continued from a checkpoint
  int retried = 0;  // attempts beyond the first
  // Runs outside --only trained because a stacked group they belong to
  // resumed whole.
  int brought_along = 0;
};

// Throws store::StoreError when the database cannot be opened or written.
SweepOutcome schedule_sweep(const SweepPlan& plan, const SchedulerOptions& options);

}  // namespace gansweep
