#include "config/search_space.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "config/experiment.h"
#include "config/phases.h"
#include "config/strict_yaml.h"
#include "util/text.h"

namespace gansweep {
namespace {

constexpr std::array<std::pair<DistributionKind, std::string_view>, 4> kDistributionNames{{
    {DistributionKind::kUniform, "uniform"},
    {DistributionKind::kLogUniform, "loguniform"},
    {DistributionKind::kInteger, "int"},
    {DistributionKind::kChoice, "choice"},
}};

// The keys of search: that are not settings.
const std::vector<std::string>& search_own_keys() {
  static const std::vector<std::string> keys{"samples", "seed", "per_loss"};
  return keys;
}

class SearchParser {
 public:
  explicit SearchParser(const std::string& file) : file_(file) {}

  SearchSpace parse(const YAML::Node& key, const YAML::Node& node) {
    if (!node.IsMap() || node.size() == 0) {
      throw ConfigError(file_, position_of(node), "search",
                        fmt::format("expected a mapping with samples:, seed: and the keys to "
                                    "draw, like train.lr: {{loguniform: [1e-5, 1e-2]}}, found {}",
                                    node.IsMap() ? "an empty mapping" : describe_node(node)));
    }
    SearchSpace space;
    bool has_samples = false;
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      if (name == "samples") {
        space.samples = std::get<std::int64_t>(parse_parameter(
            whole_number_spec("search.samples", 1, kMaxSearchSamples), entry.second, file_));
        space.samples_position = position_of(entry.second);
        has_samples = true;
      } else if (name == "seed") {
        // The same range as train.seed: whole numbers a double holds exactly.
        space.seed = static_cast<std::uint64_t>(std::get<std::int64_t>(
            parse_parameter(whole_number_spec("search.seed", 0, 9.0e15), entry.second, file_)));
      } else if (name == "per_loss") {
        parse_per_loss(entry.second, &space);
      } else {
        const ParamSpec& spec = sampleable(entry.first, "search");
        space.common.push_back(parse_distribution(spec, "search." + spec.path, entry.second));
      }
    }
    if (!has_samples) {
      throw ConfigError(file_, position_of(key), "search",
                        "needs samples: N, the number of draws for each grid cell");
    }
    if (space.paths().empty()) {
      throw ConfigError(file_, position_of(key), "search",
                        "draws nothing: give at least one key with a distribution, like "
                        "train.lr: {loguniform: [1e-5, 1e-2]}");
    }
    return space;
  }

 private:
  const ParamSpec& sampleable(const YAML::Node& key_node, const std::string& section) const {
    const std::string path = key_node.Scalar();
    const std::string key_path = section + "." + path;
    const ParamSpec* spec = find_parameter(path);
    if (spec == nullptr && (path == "train.phases" || parse_phase_path(path))) {
      throw ConfigError(file_, position_of(key_node), key_path,
                        "cannot be sampled: a phase's values can be put on the grid under "
                        "sweep: (train.phases.N.KEY) but not drawn");
    }
    if (spec == nullptr) {
      std::vector<std::string> candidates = parameter_paths();
      if (section == "search") {
        candidates.insert(candidates.end(), search_own_keys().begin(), search_own_keys().end());
      }
      const std::string suggestion = closest_match(path, candidates);
      throw ConfigError(file_, position_of(key_node), key_path,
                        suggestion.empty()
                            ? std::string("unknown key to sample")
                            : fmt::format("unknown key to sample; did you mean '{}'?", suggestion));
    }
    if (!spec->identifies_run) {
      throw ConfigError(file_, position_of(key_node), key_path,
                        "cannot be sampled: it says where a run executes, not what it is; set "
                        "it outside search:");
    }
    // Which keys a run reads, and so what per_loss means, follows from these;
    // drawing them would also make the number of runs per loss random.
    if (path == "train.loss" || path == "model.kind" || path == "data.kind") {
      throw ConfigError(file_, position_of(key_node), key_path,
                        "cannot be sampled: it decides what kind of run this is; put it on "
                        "the grid under sweep:, and each of its values gets its own samples");
    }
    return *spec;
  }

  void parse_per_loss(const YAML::Node& node, SearchSpace* space) {
    if (!node.IsMap() || node.size() == 0) {
      throw ConfigError(file_, position_of(node), "search.per_loss",
                        fmt::format("expected a mapping from loss names to their "
                                    "distributions, like wasserstein_gp: {{train.gp_lambda: "
                                    "{{uniform: [1, 20]}}}}, found {}",
                                    node.IsMap() ? "an empty mapping" : describe_node(node)));
    }
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      LossDistributions group;
      group.key_path = "search.per_loss." + name;
      group.position = position_of(entry.first);
      const std::optional<LossKind> loss = parse_loss_kind(name);
      if (!loss) {
        const std::string suggestion = closest_match(name, loss_names());
        throw ConfigError(
            file_, group.position, group.key_path,
            fmt::format(
                "unknown loss {}; expected one of {}{}", quote_for_message(name),
                join_choices(loss_names()),
                suggestion.empty() ? "" : fmt::format(" (did you mean '{}'?)", suggestion)));
      }
      group.loss = *loss;
      const YAML::Node& keys = entry.second;
      if (!keys.IsMap() || keys.size() == 0) {
        throw ConfigError(file_, position_of(keys), group.key_path,
                          fmt::format("expected a mapping of keys to distributions, found {}",
                                      keys.IsMap() ? "an empty mapping" : describe_node(keys)));
      }
      for (const auto& key : keys) {
        const ParamSpec& spec = sampleable(key.first, group.key_path);
        const std::string key_path = group.key_path + "." + spec.path;
        if (!run_reads_parameter(spec.path, group.loss, ModelKind::kMlp) &&
            !run_reads_parameter(spec.path, group.loss, ModelKind::kDcgan)) {
          throw ConfigError(file_, position_of(key.first), key_path,
                            fmt::format("{} runs do not read this key ({}); it would never be "
                                        "drawn",
                                        name, parameter_use_note(spec.path)));
        }
        group.distributions.push_back(parse_distribution(spec, key_path, key.second));
      }
      space->per_loss.push_back(std::move(group));
    }
  }

  Distribution parse_distribution(const ParamSpec& spec, const std::string& key_path,
                                  const YAML::Node& node) const {
    if (!node.IsMap() || node.size() != 1) {
      std::string found = describe_node(node);
      if (node.IsMap()) found = fmt::format("a mapping of {} entries", node.size());
      throw ConfigError(
          file_, position_of(node), key_path,
          fmt::format(
              "expected one distribution: {{uniform: [lo, hi]}}, {{loguniform: [lo, "
              "hi]}}, {{int: [lo, hi]}} or {{choice: [a, b, ...]}}, found {}{}",
              found,
              node.IsSequence() ? "; a list of values to try each belongs under sweep:" : ""));
    }
    const auto entry = *node.begin();
    const std::string name = entry.first.Scalar();
    Distribution distribution;
    distribution.path = spec.path;
    distribution.key_path = key_path;
    distribution.position = position_of(node);
    const auto known = std::find_if(kDistributionNames.begin(), kDistributionNames.end(),
                                    [&](const auto& item) { return item.second == name; });
    if (known == kDistributionNames.end()) {
      std::vector<std::string> names;
      for (const auto& item : kDistributionNames) names.emplace_back(item.second);
      const std::string suggestion = closest_match(name, names);
      throw ConfigError(
          file_, position_of(entry.first), key_path,
          fmt::format("unknown distribution {}; expected {}{}", quote_for_message(name),
                      join_choices(names),
                      suggestion.empty() ? "" : fmt::format(" (did you mean '{}'?)", suggestion)));
    }
    distribution.kind = known->first;

    // Bounds and options are values of the key itself, checked against its
    // own range, and their errors name where they are written.
    ParamSpec value_spec = spec;
    value_spec.path = key_path;
    const YAML::Node& values = entry.second;
    switch (distribution.kind) {
      case DistributionKind::kChoice:
        distribution.choices = parse_choices(value_spec, values);
        break;
      case DistributionKind::kInteger: {
        if (spec.type != ParamType::kInteger) {
          throw ConfigError(file_, position_of(entry.first), key_path,
                            fmt::format("int draws whole numbers, but {} takes any number; use "
                                        "uniform: [lo, hi], loguniform: [lo, hi] or choice: "
                                        "[a, b, ...]",
                                        spec.path));
        }
        const auto [low, high] = parse_bounds(value_spec, value_spec, name, values);
        distribution.integer_low = std::get<std::int64_t>(low);
        distribution.integer_high = std::get<std::int64_t>(high);
        break;
      }
      case DistributionKind::kUniform:
      case DistributionKind::kLogUniform: {
        if (spec.type != ParamType::kReal) {
          throw ConfigError(
              file_, position_of(entry.first), key_path,
              fmt::format("{} draws real numbers, but {} takes {}; use {}", name, spec.path,
                          spec.type == ParamType::kInteger ? "whole numbers" : "other values",
                          spec.type == ParamType::kInteger ? "int: [lo, hi] or choice: [a, b, ...]"
                                                           : "choice: [a, b, ...]"));
        }
        // Draws stay below hi, so hi may be a bound the key must stay below
        // (beta1: {uniform: [0, 1]} never draws 1).
        ParamSpec high_spec = value_spec;
        high_spec.max_exclusive = false;
        const auto [low, high] = parse_bounds(value_spec, high_spec, name, values);
        distribution.low = std::get<double>(low);
        distribution.high = std::get<double>(high);
        if (!std::isfinite(distribution.high - distribution.low)) {
          throw ConfigError(file_, position_of(values), key_path,
                            "the range is wider than a double can hold");
        }
        break;
      }
    }
    return distribution;
  }

  std::pair<ParamValue, ParamValue> parse_bounds(const ParamSpec& low_spec,
                                                 const ParamSpec& high_spec,
                                                 const std::string& name,
                                                 const YAML::Node& values) const {
    const std::string& key_path = low_spec.path;
    if (!values.IsSequence() || values.size() != 2) {
      throw ConfigError(file_, position_of(values), key_path,
                        fmt::format("expected {}: [lo, hi], two numbers, found {}", name,
                                    values.IsSequence() ? fmt::format("a list of {}", values.size())
                                                        : describe_node(values)));
    }
    const ParamValue low = parse_parameter(low_spec, values[0], file_);
    const ParamValue high = parse_parameter(high_spec, values[1], file_);
    const auto as_double = [](const ParamValue& v) {
      return std::holds_alternative<double>(v) ? std::get<double>(v)
                                               : static_cast<double>(std::get<std::int64_t>(v));
    };
    if (name == "loguniform" && as_double(low) <= 0) {
      throw ConfigError(file_, position_of(values[0]), key_path,
                        fmt::format("loguniform needs lo > 0 (it draws log(value) uniformly), "
                                    "found {}",
                                    shorten_for_message(values[0].Scalar())));
    }
    if (!(as_double(low) < as_double(high))) {
      throw ConfigError(file_, position_of(values), key_path,
                        fmt::format("expected [lo, hi] with lo < hi, found [{}, {}]{}",
                                    shorten_for_message(values[0].Scalar()),
                                    shorten_for_message(values[1].Scalar()),
                                    as_double(low) == as_double(high)
                                        ? "; a single value is a fixed setting, not a distribution"
                                        : ""));
    }
    return {low, high};
  }

  std::vector<ParamValue> parse_choices(const ParamSpec& value_spec,
                                        const YAML::Node& values) const {
    if (!values.IsSequence() || values.size() == 0) {
      throw ConfigError(file_, position_of(values), value_spec.path,
                        fmt::format("expected choice: [a, b, ...], a list of at least one "
                                    "value, found {}",
                                    values.IsSequence() ? "an empty list" : describe_node(values)));
    }
    std::vector<ParamValue> choices;
    for (const auto& item : values) {
      ParamValue value = parse_parameter(value_spec, item, file_);
      // A repeated option would be drawn twice as often: almost always a
      // slip, and a weighting that is easy to miss when reading the file.
      if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
        throw ConfigError(file_, position_of(item), value_spec.path,
                          fmt::format("{} is listed twice; list each option once",
                                      quote_for_message(item.Scalar())));
      }
      choices.push_back(std::move(value));
    }
    return choices;
  }

  const std::string& file_;
};

}  // namespace

std::vector<std::string> SearchSpace::paths() const {
  std::vector<std::string> result;
  const auto add = [&](const Distribution& distribution) {
    if (std::find(result.begin(), result.end(), distribution.path) == result.end()) {
      result.push_back(distribution.path);
    }
  };
  for (const auto& distribution : common) add(distribution);
  for (const auto& group : per_loss) {
    for (const auto& distribution : group.distributions) add(distribution);
  }
  return result;
}

SearchSpace parse_search_space(const YAML::Node& key, const YAML::Node& node,
                               const std::string& file) {
  return SearchParser(file).parse(key, node);
}

}  // namespace gansweep
