#include "config/phases.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gansweep {
namespace {

constexpr std::string_view kIndexPlaceholder = "N";

ParamSpec count_spec(std::string name, double min, std::string doc) {
  ParamSpec spec;
  spec.path = fmt::format("{}.{}.{}", kPhasesPath, kIndexPlaceholder, name);
  spec.type = ParamType::kInteger;
  spec.min = min;
  // Same ceilings as the run-wide train.steps and train.d_steps.
  spec.max = name == "steps" ? 1e9 : 1000;
  spec.doc = std::move(doc);
  return spec;
}

std::vector<ParamSpec> build_phase_specs() {
  std::vector<ParamSpec> specs;
  // steps has no default: a phase is a number of steps.
  specs.push_back(count_spec("steps", 1,
                             "Steps in this phase (required). A run with phases lasts their "
                             "sum and must not give train.steps."));
  specs.push_back(count_spec("d_steps", 0,
                             "D updates per step in this phase; default train.d_steps. 0 "
                             "freezes D (its gradient is still measured and recorded)."));
  specs.push_back(count_spec("g_steps", 0,
                             "G updates per step in this phase; default train.g_steps. 0 "
                             "freezes G (its gradient is still measured and recorded)."));
  ParamSpec fresh;
  fresh.path = fmt::format("{}.{}.fresh_discriminator", kPhasesPath, kIndexPlaceholder);
  fresh.type = ParamType::kBool;
  fresh.default_value = false;
  fresh.doc =
      "Start this phase with a new D (weights from its own seed stream, fresh Adam state); "
      "not on phase 0.";
  specs.push_back(fresh);
  return specs;
}

// The short name of a phase spec: "steps" from "train.phases.N.steps".
std::string_view short_name(const ParamSpec& spec) {
  return std::string_view(spec.path).substr(kPhasesPath.size() + kIndexPlaceholder.size() + 2);
}

}  // namespace

const std::vector<ParamSpec>& phase_parameter_specs() {
  static const std::vector<ParamSpec> specs = build_phase_specs();
  return specs;
}

std::optional<PhaseKey> parse_phase_path(std::string_view path) {
  const std::string prefix = std::string(kPhasesPath) + ".";
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  path.remove_prefix(prefix.size());
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view digits = path.substr(0, dot);
  // Plain decimal only, so that one phase has one spelling (and one swept
  // column): "01" is not phase 1.
  if (digits.empty() || digits.size() > 4 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  std::size_t index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  const std::string_view name = path.substr(dot + 1);
  for (const auto& spec : phase_parameter_specs()) {
    if (short_name(spec) == name) return PhaseKey{index, std::string(name)};
  }
  return std::nullopt;
}

std::string phase_path(std::size_t index, std::string_view name) {
  if (name.empty()) return fmt::format("{}.{}", kPhasesPath, index);
  return fmt::format("{}.{}.{}", kPhasesPath, index, name);
}

std::optional<ParamSpec> find_phase_parameter(std::string_view path) {
  const std::optional<PhaseKey> key = parse_phase_path(path);
  if (!key) return std::nullopt;
  for (const auto& spec : phase_parameter_specs()) {
    if (short_name(spec) == key->name) {
      ParamSpec concrete = spec;
      concrete.path = std::string(path);
      return concrete;
    }
  }
  return std::nullopt;
}

std::vector<std::string> phase_paths(std::size_t index) {
  std::vector<std::string> paths;
  for (const auto& spec : phase_parameter_specs()) {
    paths.push_back(phase_path(index, short_name(spec)));
  }
  return paths;
}

std::string config_json_path(std::string_view setting_path) {
  if (const std::optional<PhaseKey> key = parse_phase_path(setting_path)) {
    return fmt::format("$.{}[{}].{}", kPhasesPath, key->index, key->name);
  }
  return "$." + std::string(setting_path);
}

std::string phases_to_json(const std::vector<TrainingPhase>& phases) {
  // nlohmann::json objects keep their keys sorted, which makes the text
  // canonical.
  nlohmann::json list = nlohmann::json::array();
  for (const auto& phase : phases) {
    list.push_back({{"steps", phase.steps},
                    {"d_steps", phase.d_steps},
                    {"g_steps", phase.g_steps},
                    {"fresh_discriminator", phase.fresh_discriminator}});
  }
  return list.dump();
}

}  // namespace gansweep
