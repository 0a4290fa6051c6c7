// The rerun_best: stage of a sweep, as the CLI shows it: which settings were
// chosen, the plan that reruns them with fresh seeds, and the outcome table
// of `gansweep study`. Torch-free.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>

#include "config/sweep_plan.h"
#include "query/best_settings.h"

namespace gansweep::cli {

// The ranking of the sweep's settings by its rerun_best: section.
query::SettingRanking rank_search(const std::filesystem::path& db_path, const SweepPlan& plan);

// The reruns of the best settings, or nothing when some run of the sweep
// is unfinished (the ranking could still change) or no setting has a score;
// either is said on `log` (when not null), as are the chosen settings.
std::optional<SweepPlan> plan_rerun_stage(const std::filesystem::path& db_path,
                                          const SweepPlan& plan, std::FILE* log);

// Per loss, each chosen setting with its score in the sweep and its reruns'
// median, quartiles and range; reruns not yet trained show "-". `csv`
// prints the rows alone as CSV.
void print_study_table(const std::filesystem::path& db_path, const SweepPlan& plan, std::FILE* out,
                       bool csv = false);

}  // namespace gansweep::cli
