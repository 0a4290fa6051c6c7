// Which settings of a sweep did best, per loss, and how their reruns with
// fresh seeds turned out: the two halves of a rerun_best: study. A run is
// scored by the mean of the rerun_best metric over its evaluations inside
// the window; a setting (runs that differ only in train.seed) by the median
// of its runs' scores. A run that diverged, or whose window holds an
// evaluation without a finite value (NaN, inf, or a measure left undefined,
// such as mode_kl with no sample near a mode), scores worst: a setting that
// sometimes blows up is not "best".
// Torch-free; reads the database read-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/sweep_plan.h"

namespace gansweep::query {

struct RunScore {
  int position = 0;    // in the plan
  std::string status;  // as stored; "" when the run is not in the database
  // Mean of the metric over the window's evaluations; empty when the run
  // diverged, has none there, or one of them is not finite.
  std::optional<double> score;
  std::int64_t evaluations = 0;  // finite values seen
};

struct SettingScore {
  std::vector<RunScore> runs;  // the setting's runs, in plan order
  // Median of the finished runs' scores, a missing score counting as the
  // worst; empty when that median is a missing score or no run finished.
  std::optional<double> score;
  std::int64_t unscored = 0;  // finished runs without a score
  // The run whose settings a rerun copies: the setting's first in the plan.
  int position() const { return runs.front().position; }
};

struct LossRanking {
  LossKind loss = LossKind::kNonSaturating;
  std::vector<SettingScore> settings;  // best first; unscored ones last
};

struct SettingRanking {
  // Runs of the plan that are not done or diverged (queued, running,
  // failed, interrupted, or missing): the ranking is not final.
  std::vector<std::string> unfinished;
  std::vector<LossRanking> losses;  // in the order the plan first trains them
};

// Scores every run of `plan` by `metric` over `window` (see above); runs
// are grouped into settings and ranked per loss, better first, ties in plan
// order. `metric` must be an outcome metric (config/rerun_best.h).
SettingRanking rank_settings(const std::filesystem::path& db_path, const SweepPlan& plan,
                             const std::string& metric, bool lower_is_better, StepWindow window);

// The positions of the best `top` scored settings of each loss (fewer when
// a loss has fewer settings with a score), in loss order, best first.
std::vector<int> best_positions(const SettingRanking& ranking, std::int64_t top);

}  // namespace gansweep::query
