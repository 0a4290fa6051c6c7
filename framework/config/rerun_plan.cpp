#include "config/rerun_plan.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gansweep {
namespace {

// A seed must stay a whole number a double holds exactly, like train.seed.
constexpr std::uint64_t kMaxSeed = 9'000'000'000'000'000ULL;

std::set<std::uint64_t> sweep_seeds(const SweepPlan& plan) {
  std::set<std::uint64_t> seeds;
  for (const auto& run : plan.runs) seeds.insert(run.experiment.seed);
  return seeds;
}

// A run is evaluated at step 0, every eval_every, and its last step: does
// one of them fall in the window? Computed, not listed: planning a large
// sweep checks every run.
bool evaluated_in(const Experiment& e, const StepWindow& window) {
  if (window.begin > e.steps) return false;
  const std::int64_t first_multiple =
      (window.begin + e.eval_every - 1) / e.eval_every * e.eval_every;
  return (first_multiple < e.steps && window.contains(first_multiple)) || window.contains(e.steps);
}

// "0, 100, 200, 300" or "0, 500, 1000, ..., 4000", for the error message.
std::string evaluation_steps_text(const Experiment& e) {
  std::vector<std::int64_t> steps;
  for (std::int64_t s = 0; s < e.steps && steps.size() < 6; s += e.eval_every) steps.push_back(s);
  if (steps.size() < 6) {
    steps.push_back(e.steps);
    return fmt::format("{}", fmt::join(steps, ", "));
  }
  return fmt::format("{}, {}, {}, ..., {}", steps[0], steps[1], steps[2], e.steps);
}

}  // namespace

void check_rerun_best(const SweepPlan& plan) {
  const RerunBest& rerun = *plan.definition.rerun_best;
  const std::string& file = plan.definition.file;
  const OutcomeMetric* metric = find_outcome_metric(rerun.metric);
  for (const auto& run : plan.runs) {
    const Experiment& e = run.experiment;
    const bool image = !is_toy_data(e.data_kind);
    if (image != metric->image_data) {
      std::vector<std::string> fitting;
      for (const auto& m : outcome_metrics()) {
        if (m.image_data == image) fitting.emplace_back(m.name);
      }
      throw ConfigError(
          file, rerun.metric_position, "rerun_best.metric",
          fmt::format("{} is not measured on {} (run {}); expected one of {}", rerun.metric,
                      name_of(e.data_kind), run.run_key, fmt::join(fitting, ", ")));
    }
    if (!evaluated_in(e, rerun.window)) {
      throw ConfigError(
          file, rerun.window_position, "rerun_best.window",
          fmt::format("run {} has no evaluation in {} (it is evaluated at "
                      "steps {}); widen the window or change log.eval_every",
                      run.run_key, step_window_text(rerun.window), evaluation_steps_text(e)));
    }
  }
  const std::set<std::uint64_t> used = sweep_seeds(plan);
  if (rerun.first_seed) {
    const std::uint64_t first = *rerun.first_seed;
    const auto last = first + static_cast<std::uint64_t>(rerun.seeds) - 1;
    const auto clash = used.lower_bound(first);
    if (clash != used.end() && *clash <= last) {
      throw ConfigError(file, rerun.first_seed_position, "rerun_best.first_seed",
                        fmt::format("the rerun seeds {} to {} include seed {}, which the sweep "
                                    "already trains; expected fresh seeds, such as from {}",
                                    first, last, *clash, *used.rbegin() + 1));
    }
    if (last > kMaxSeed) {
      throw ConfigError(
          file, rerun.first_seed_position, "rerun_best.first_seed",
          fmt::format("the last rerun seed would be {}; expected at most {}", last, kMaxSeed));
    }
  } else if (!used.empty() && *used.rbegin() + static_cast<std::uint64_t>(rerun.seeds) > kMaxSeed) {
    throw ConfigError(file, rerun.position, "rerun_best",
                      "the sweep's seeds leave no room above them for fresh ones; give "
                      "first_seed:");
  }
  std::set<LossKind> losses;
  for (const auto& run : plan.runs) losses.insert(run.experiment.loss);
  const auto reruns =
      losses.size() * static_cast<std::size_t>(rerun.top) * static_cast<std::size_t>(rerun.seeds);
  if (reruns > kMaxRunsPerSweep) {
    throw ConfigError(file, rerun.position, "rerun_best",
                      fmt::format("{} losses x top {} x {} seeds make {} reruns; expected at "
                                  "most {}",
                                  losses.size(), rerun.top, rerun.seeds, reruns, kMaxRunsPerSweep));
  }
}

std::vector<std::uint64_t> rerun_seeds(const SweepPlan& plan) {
  const RerunBest& rerun = *plan.definition.rerun_best;
  std::uint64_t first = 0;
  if (rerun.first_seed) {
    first = *rerun.first_seed;
  } else {
    const auto used = sweep_seeds(plan);
    first = used.empty() ? 0 : *used.rbegin() + 1;
  }
  std::vector<std::uint64_t> seeds;
  for (std::int64_t k = 0; k < rerun.seeds; ++k) seeds.push_back(first + k);
  return seeds;
}

std::string setting_key(const Experiment& experiment) {
  Experiment seedless = experiment;
  seedless.seed = 0;
  return run_key_of(seedless);
}

std::string rerun_sweep_name(const std::string& sweep_name) { return sweep_name + ".rerun_best"; }

SweepPlan plan_reruns(const SweepPlan& search, const std::vector<int>& chosen_positions) {
  SweepPlan plan;
  plan.definition = search.definition;
  plan.definition.name = rerun_sweep_name(search.definition.name);
  plan.swept_paths = search.swept_paths;
  if (std::find(plan.swept_paths.begin(), plan.swept_paths.end(), "train.seed") ==
      plan.swept_paths.end()) {
    plan.swept_paths.push_back("train.seed");
  }
  const std::vector<std::uint64_t> seeds = rerun_seeds(search);
  std::unordered_set<std::string> keys;
  for (const int position : chosen_positions) {
    const PlannedRun& chosen = search.runs.at(static_cast<std::size_t>(position));
    for (const std::uint64_t seed : seeds) {
      PlannedRun run = chosen;
      run.experiment.seed = seed;
      run.run_key = run_key_of(run.experiment);
      const ParamValue value = static_cast<std::int64_t>(seed);
      const auto swept_seed = std::find_if(run.swept.begin(), run.swept.end(),
                                           [](const auto& s) { return s.first == "train.seed"; });
      if (swept_seed != run.swept.end()) {
        swept_seed->second = value;
      } else {
        run.swept.emplace_back("train.seed", value);
      }
      if (!keys.insert(run.run_key).second) {
        ++plan.duplicates_dropped;
        continue;
      }
      run.position = static_cast<int>(plan.runs.size());
      plan.runs.push_back(std::move(run));
    }
  }
  return plan;
}

}  // namespace gansweep
