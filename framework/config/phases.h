// Training phases: consecutive stretches of a run's steps, each with its own
// discriminator and generator update counts, optionally starting with a
// fresh discriminator (Arjovsky & Bottou's protocol: train, then freeze G
// and train a new D alone). A sweep file lists them under train.phases;
// each value is addressed, also by sweep axes, by its index:
// train.phases.0.steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/parameters.h"

namespace gansweep {

struct TrainingPhase {
  std::int64_t steps = 0;
  // 0 freezes that network for the phase: its weights, batch-norm
  // statistics and Adam state stay as they are, yet its gradient is still
  // computed every step, so its rows are recorded as in any other step.
  std::int64_t d_steps = 0;
  std::int64_t g_steps = 0;
  // Re-initialise D (weights from its own stream of the seed tree) and its
  // Adam state before the phase's first step. Never on the first phase.
  bool fresh_discriminator = false;

  bool operator==(const TrainingPhase& other) const {
    return steps == other.steps && d_steps == other.d_steps && g_steps == other.g_steps &&
           fresh_discriminator == other.fresh_discriminator;
  }
};

// The key holding the list, and the most phases one run may have (far
// more than any protocol needs; a bound keeps a wrong file from planning
// huge runs).
inline constexpr std::string_view kPhasesPath = "train.phases";
inline constexpr std::size_t kMaxPhases = 1000;

// The keys of one phase, with "N" standing for its index
// (train.phases.N.steps, ...), in the order they are documented.
const std::vector<ParamSpec>& phase_parameter_specs();

// "train.phases.3.d_steps" -> phase 3, key "d_steps". Empty when `path`
// does not have that form (the index in plain decimal, no leading zeros)
// or names no phase key.
struct PhaseKey {
  std::size_t index = 0;
  std::string name;
};
std::optional<PhaseKey> parse_phase_path(std::string_view path);

// "train.phases.3" (empty name) or "train.phases.3.d_steps".
std::string phase_path(std::size_t index, std::string_view name = "");

// The spec of a phase key under its concrete path, so that values parse
// and errors read as "train.phases.1.steps"; empty for anything else.
std::optional<ParamSpec> find_phase_parameter(std::string_view path);

// Every key of phase `index`, for "did you mean" suggestions.
std::vector<std::string> phase_paths(std::size_t index);

// Where a setting sits in runs.config_json, as an SQLite JSON path:
// "$.train.lr", or "$.train.phases[1].steps" for a phase's value.
std::string config_json_path(std::string_view setting_path);

// The phases as canonical JSON (an array of objects with sorted keys and
// every value effective), as the run key and config_json hold them.
std::string phases_to_json(const std::vector<TrainingPhase>& phases);

}  // namespace gansweep
