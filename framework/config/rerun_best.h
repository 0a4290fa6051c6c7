// The rerun_best: section of a sweep file: after its runs (typically a
// random search) finish, rerun the best `top` settings of each loss with
// `seeds` fresh seeds, as Lucic et al. (2018) reran each loss's best
// hyperparameters with many seeds. "Best" is judged by one evaluation
// metric, averaged over the evaluations inside a window of steps. Parsing
// and the checks that need only the section live here; the checks against
// the planned runs are in rerun_plan.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/choices.h"
#include "config/config_error.h"
#include "util/step_window.h"

namespace gansweep {

// A column of the evals table that can rank runs.
struct OutcomeMetric {
  std::string_view name;
  bool lower_is_better = false;
  bool image_data = false;  // defined for Fashion-MNIST; else for toy data
  std::string_view meaning;
};

const std::vector<OutcomeMetric>& outcome_metrics();
const OutcomeMetric* find_outcome_metric(std::string_view name);

struct RerunBest {
  std::string metric;
  bool lower_is_better = false;
  StepWindow window;                        // the evaluations whose mean scores a run
  std::int64_t top = 1;                     // settings kept per loss
  std::int64_t seeds = 0;                   // fresh seeds each kept setting is rerun with
  std::optional<std::uint64_t> first_seed;  // default: above the sweep's seeds
  // Where each was written, for errors found once the runs are planned.
  SourcePosition position;  // the section
  SourcePosition metric_position;
  SourcePosition window_position;
  SourcePosition first_seed_position;
};

inline constexpr std::int64_t kMaxRerunTop = 1000;
inline constexpr std::int64_t kMaxRerunSeeds = 10000;

// Parses the value of the rerun_best: key. Throws ConfigError located in
// `file`.
RerunBest parse_rerun_best(const YAML::Node& key, const YAML::Node& node, const std::string& file);

}  // namespace gansweep
