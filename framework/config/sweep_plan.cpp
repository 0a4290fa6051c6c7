#include "config/sweep_plan.h"

#include <unordered_set>

#include <fmt/format.h>

namespace gansweep {

std::string column_name_of(const std::string& path) {
  std::string column = path;
  for (char& c : column) {
    if (c == '.') c = '_';
  }
  return column;
}

SweepPlan plan_sweep(SweepDefinition definition) {
  SweepPlan plan;
  const auto& axes = definition.axes;

  std::size_t combinations = 1;
  for (const auto& axis : axes) {
    if (combinations > kMaxRunsPerSweep / axis.size()) {
      throw ConfigError(
          definition.file, axis.values.front().front().position, "sweep." + axis.paths.front(),
          fmt::format("the grid has more than {} combinations; split the sweep", kMaxRunsPerSweep));
    }
    combinations *= axis.size();
    for (const auto& path : axis.paths) plan.swept_paths.push_back(path);
  }

  plan.runs.reserve(combinations);
  std::unordered_set<std::string> keys;
  std::vector<std::size_t> index(axes.size(), 0);
  Assignment settings = definition.base;
  for (std::size_t n = 0; n < combinations; ++n) {
    PlannedRun run;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      for (std::size_t k = 0; k < axes[a].paths.size(); ++k) {
        const LocatedValue& v = axes[a].values[k][index[a]];
        settings[axes[a].paths[k]] = v;
        run.swept.emplace_back(axes[a].paths[k], v.value);
      }
    }
    run.experiment = resolve_experiment(settings, definition.file);
    run.run_key = run_key_of(run.experiment);
    if (keys.insert(run.run_key).second) {
      run.position = static_cast<int>(plan.runs.size());
      plan.runs.push_back(std::move(run));
    } else {
      ++plan.duplicates_dropped;
    }

    // Odometer: the last axis turns fastest.
    for (std::size_t a = axes.size(); a-- > 0;) {
      if (++index[a] < axes[a].size()) break;
      index[a] = 0;
    }
  }
  plan.definition = std::move(definition);
  return plan;
}

}  // namespace gansweep
