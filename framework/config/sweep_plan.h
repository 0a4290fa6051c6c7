// Expands a sweep definition into its runs: every combination of the axes
// (a zip group counts as one axis), the first axis varying slowest and the
// last fastest, each resolved, validated and given its run key. A search
// adds its samples as one more axis after the grid's, varying fastest: each
// grid cell gets `samples` runs, whose drawn values are shared by the cells
// that differ only in train.seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/experiment.h"
#include "config/sweep_definition.h"

namespace gansweep {

struct PlannedRun {
  int position = 0;  // index in the plan
  std::string run_key;
  Experiment experiment;
  // (path, value) for each swept key, in axis order, then each key the
  // search drew for this run, in file order (a key the run does not read,
  // such as gp_lambda outside wasserstein_gp, is not drawn and not listed).
  std::vector<std::pair<std::string, ParamValue>> swept;
  // Which of its grid cell's samples this run is, when the file has a
  // search.
  std::optional<std::int64_t> sample;
};

struct SweepPlan {
  SweepDefinition definition;
  // In axis order, then the keys the search draws; a run lists a subset.
  std::vector<std::string> swept_paths;
  std::vector<PlannedRun> runs;
  // Combinations that resolved to a run already in the plan (for example
  // gp_lambda swept under a loss that does not use it); each run is kept once.
  std::size_t duplicates_dropped = 0;
};

// Refuses (ConfigError) grids above this many combinations before expanding:
// a plan holds every resolved run in memory (about 0.5 KB each), and a
// million runs is already far beyond what one database should hold.
inline constexpr std::size_t kMaxRunsPerSweep = 1'000'000;

SweepPlan plan_sweep(SweepDefinition definition);

// "train.lr" -> "train_lr": the name of a swept key's column in `runs`.
std::string column_name_of(const std::string& path);

}  // namespace gansweep
