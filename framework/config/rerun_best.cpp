#include "config/rerun_best.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/parameters.h"
#include "config/strict_yaml.h"
#include "util/text.h"

namespace gansweep {
namespace {

const std::vector<std::string>& section_keys() {
  static const std::vector<std::string> keys{"metric", "window", "top", "seeds", "first_seed"};
  return keys;
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& metric : outcome_metrics()) names.emplace_back(metric.name);
  return names;
}

}  // namespace

const std::vector<OutcomeMetric>& outcome_metrics() {
  static const std::vector<OutcomeMetric> metrics{
      {"frechet_distance", true, true,
       "Frechet distance of classifier features to the training set"},
      {"classes_covered", false, true, "classes the samples cover (of 10)"},
      {"class_kl", true, true, "KL divergence of the sample class histogram from uniform"},
      {"high_quality_fraction", false, false, "fraction of samples near a mode"},
      {"modes_covered", false, false, "modes the samples cover"},
      {"mode_kl", true, false, "KL divergence of the sample mode histogram from uniform"},
  };
  return metrics;
}

const OutcomeMetric* find_outcome_metric(std::string_view name) {
  for (const auto& metric : outcome_metrics()) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

RerunBest parse_rerun_best(const YAML::Node& key, const YAML::Node& node, const std::string& file) {
  if (!node.IsMap()) {
    throw ConfigError(file, position_of(node), "rerun_best",
                      fmt::format("expected a mapping like {{metric: frechet_distance, window: "
                                  "\"3000:\", top: 1, seeds: 5}}, found {}",
                                  describe_node(node)));
  }
  RerunBest rerun;
  rerun.position = position_of(key);
  bool has_metric = false;
  bool has_window = false;
  bool has_seeds = false;
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    const std::string path = "rerun_best." + name;
    if (name == "metric") {
      const OutcomeMetric* metric =
          value.IsScalar() ? find_outcome_metric(value.Scalar()) : nullptr;
      if (metric == nullptr) {
        const std::string suggestion =
            value.IsScalar() ? closest_match(value.Scalar(), metric_names()) : "";
        throw ConfigError(
            file, position_of(value), path,
            fmt::format("expected an evaluation metric ({}), found {}{}",
                        fmt::join(metric_names(), ", "), describe_node(value),
                        suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
      }
      rerun.metric = std::string(metric->name);
      rerun.lower_is_better = metric->lower_is_better;
      rerun.metric_position = position_of(value);
      has_metric = true;
    } else if (name == "window") {
      if (!value.IsScalar()) {
        throw ConfigError(file, position_of(value), path,
                          fmt::format("expected a step window BEGIN:END as text, like \"3000:\" "
                                      "(half-open; an open end runs to the last step), found {}",
                                      describe_node(value)));
      }
      try {
        rerun.window = parse_step_window(value.Scalar());
      } catch (const std::invalid_argument& e) {
        throw ConfigError(file, position_of(value), path, e.what());
      }
      rerun.window_position = position_of(value);
      has_window = true;
    } else if (name == "top") {
      rerun.top = std::get<std::int64_t>(
          parse_parameter(whole_number_spec(path, 1, kMaxRerunTop), value, file));
    } else if (name == "seeds") {
      rerun.seeds = std::get<std::int64_t>(
          parse_parameter(whole_number_spec(path, 1, kMaxRerunSeeds), value, file));
      has_seeds = true;
    } else if (name == "first_seed") {
      // The same range as train.seed: whole numbers a double holds exactly.
      rerun.first_seed = static_cast<std::uint64_t>(
          std::get<std::int64_t>(parse_parameter(whole_number_spec(path, 0, 9.0e15), value, file)));
      rerun.first_seed_position = position_of(value);
    } else {
      const std::string suggestion = closest_match(name, section_keys());
      throw ConfigError(
          file, position_of(entry.first), path,
          suggestion.empty()
              ? fmt::format("unknown key; expected one of {}", fmt::join(section_keys(), ", "))
              : fmt::format("unknown key; did you mean '{}'?", suggestion));
    }
  }
  const auto missing = [&](std::string_view what, std::string_view example) {
    return ConfigError(file, rerun.position, "rerun_best",
                       fmt::format("needs {} ({})", what, example));
  };
  if (!has_metric)
    throw missing("metric:", "the evaluation that ranks settings, like frechet_distance");
  if (!has_window)
    throw missing("window:", "the steps whose evaluations are averaged, like \"3000:\"");
  if (!has_seeds) throw missing("seeds:", "how many fresh seeds each best setting is rerun with");
  return rerun;
}

}  // namespace gansweep
