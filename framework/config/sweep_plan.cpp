#include "config/sweep_plan.h"

#include <unordered_set>

#include <fmt/format.h>

#include "config/rerun_plan.h"
#include "config/search_sampler.h"

namespace gansweep {
namespace {

// Resolves a run with drawn values; an error about a drawn value (a rule
// that involves several keys, such as a DCGAN's batch of at least 2) names
// the distribution, the value and the sample.
Experiment resolve_drawn(const Assignment& settings, const std::vector<DrawnValue>& drawn,
                         std::int64_t sample, const std::string& file) {
  try {
    return resolve_experiment(settings, file);
  } catch (const ConfigError& e) {
    for (const auto& [distribution, value] : drawn) {
      if (distribution->path != e.key_path()) continue;
      throw ConfigError(e.file(), e.position(), distribution->key_path,
                        fmt::format("{} (sample {} drew {}; narrow the range)", e.detail(), sample,
                                    format_value(value)));
    }
    throw;
  }
}

}  // namespace

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

  std::size_t samples = 1;
  std::optional<SearchSampler> sampler;
  if (definition.search) {
    const SearchSpace& search = *definition.search;
    samples = static_cast<std::size_t>(search.samples);
    if (combinations > kMaxRunsPerSweep / samples) {
      throw ConfigError(definition.file, search.samples_position, "search.samples",
                        fmt::format("{} samples for each of the grid's {} combinations make "
                                    "more than {} runs; draw fewer or split the sweep",
                                    samples, combinations, kMaxRunsPerSweep));
    }
    for (const auto& path : search.paths()) plan.swept_paths.push_back(path);
    sampler.emplace(search, definition.file);
  }

  plan.runs.reserve(combinations * samples);
  std::unordered_set<std::string> keys;
  std::vector<std::size_t> index(axes.size(), 0);
  Assignment settings = definition.base;
  const auto add_run = [&](PlannedRun run) {
    run.run_key = run_key_of(run.experiment);
    if (keys.insert(run.run_key).second) {
      run.position = static_cast<int>(plan.runs.size());
      plan.runs.push_back(std::move(run));
    } else {
      ++plan.duplicates_dropped;
    }
  };
  for (std::size_t n = 0; n < combinations; ++n) {
    PlannedRun run;
    for (std::size_t a = 0; a < axes.size(); ++a) {
      for (std::size_t k = 0; k < axes[a].paths.size(); ++k) {
        const LocatedValue& v = axes[a].values[k][index[a]];
        settings[axes[a].paths[k]] = v;
        run.swept.emplace_back(axes[a].paths[k], v.value);
      }
    }
    if (!sampler) {
      run.experiment = resolve_experiment(settings, definition.file);
      add_run(std::move(run));
    } else {
      sampler->start_cell(run.swept);
      for (std::size_t s = 0; s < samples; ++s) {
        const auto sample = static_cast<std::int64_t>(s);
        PlannedRun sampled_run = run;
        sampled_run.sample = sample;
        Assignment sampled_settings = settings;
        const std::vector<DrawnValue> drawn = sampler->draw(sample, &sampled_settings);
        for (const auto& [distribution, value] : drawn) {
          sampled_run.swept.emplace_back(distribution->path, value);
        }
        sampled_run.experiment = resolve_drawn(sampled_settings, drawn, sample, definition.file);
        add_run(std::move(sampled_run));
      }
    }

    // Odometer: the last axis turns fastest.
    for (std::size_t a = axes.size(); a-- > 0;) {
      if (++index[a] < axes[a].size()) break;
      index[a] = 0;
    }
  }
  if (sampler) sampler->check_every_distribution_drawn();
  plan.definition = std::move(definition);
  if (plan.definition.rerun_best) check_rerun_best(plan);
  return plan;
}

}  // namespace gansweep
