// The search: section of a sweep file: settings drawn at random on top of
// the grid, as in Lucic et al. 2018 (per loss, N random hyperparameter
// samples), each from a distribution written beside its key. Parsing and
// every check that needs only the section itself live here; the draws are
// made by SearchSampler.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/choices.h"
#include "config/config_error.h"
#include "config/parameters.h"

namespace gansweep {

enum class DistributionKind {
  kUniform,     // uniform: [lo, hi], real keys; draws in [lo, hi)
  kLogUniform,  // loguniform: [lo, hi], real keys, lo > 0; log(value) uniform
  kInteger,     // int: [lo, hi], whole-number keys, both ends included
  kChoice,      // choice: [a, b, ...], any key; each option equally likely
};

struct Distribution {
  std::string path;         // the setting drawn: "train.lr"
  std::string key_path;     // where the file writes it: "search.per_loss.hinge.train.lr"
  SourcePosition position;  // of the distribution, for errors about drawn values
  DistributionKind kind = DistributionKind::kUniform;
  double low = 0;  // uniform and loguniform
  double high = 0;
  std::int64_t integer_low = 0;  // int
  std::int64_t integer_high = 0;
  std::vector<ParamValue> choices;  // choice, in file order
};

// The distributions that replace or add to the common ones for one loss.
struct LossDistributions {
  LossKind loss = LossKind::kNonSaturating;
  std::string key_path;  // "search.per_loss.wasserstein_gp"
  SourcePosition position;
  std::vector<Distribution> distributions;
};

struct SearchSpace {
  std::int64_t samples = 0;  // draws per grid cell
  std::uint64_t seed = 0;    // the search's own seed, not train.seed
  SourcePosition samples_position;
  std::vector<Distribution> common;         // in file order
  std::vector<LossDistributions> per_loss;  // in file order

  // Every sampled key, in the order it first appears in the file.
  std::vector<std::string> paths() const;
};

// samples: above this is refused (it is also the most runs a sweep may
// plan).
inline constexpr std::int64_t kMaxSearchSamples = 1'000'000;

// Parses the value of the search: key (`key` is the key itself, where an
// error about the whole section points). Throws ConfigError located in
// `file`.
SearchSpace parse_search_space(const YAML::Node& key, const YAML::Node& node,
                               const std::string& file);

}  // namespace gansweep
