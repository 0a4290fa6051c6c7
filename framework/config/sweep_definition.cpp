#include "config/sweep_definition.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "config/phases.h"
#include "config/strict_yaml.h"
#include "util/text.h"

namespace gansweep {
namespace {

class SweepParser {
 public:
  SweepParser(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  SweepDefinition parse() {
    SweepDefinition sweep;
    sweep.file = file_;
    sweep.text = std::string(text_);
    const YAML::Node root = parse_yaml_strict(text_, file_);
    if (!root.IsMap()) {
      throw ConfigError(file_, position_of(root), "",
                        fmt::format("expected a mapping with data:, model:, train:, ... at "
                                    "the top of a sweep file, found {}",
                                    describe_node(root)));
    }
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (key == "name") {
        sweep.name = parse_name(value);
      } else if (key == "sweep") {
        sweep.axes = parse_axes(value);
      } else if (key == "search") {
        // "search:" with nothing under it draws nothing, like an empty sweep:.
        if (!value.IsNull()) sweep.search = parse_search_space(entry.first, value, file_);
      } else if (key == "rerun_best") {
        sweep.rerun_best = parse_rerun_best(entry.first, value, file_);
      } else if (key == "data" || key == "model" || key == "train" || key == "log") {
        parse_section(key, value, &sweep.base);
      } else {
        throw unknown_key(entry.first, key, top_level_keys());
      }
    }
    if (sweep.name.empty()) sweep.name = default_name();
    check_swept_keys(sweep);
    return sweep;
  }

 private:
  ConfigError unknown_key(const YAML::Node& key_node, const std::string& path,
                          const std::vector<std::string>& candidates) const {
    std::string suggestion = closest_match(path, candidates);
    // Suggest the short key within the same section: "steps", not "train.steps".
    const auto dot = path.rfind('.');
    if (!suggestion.empty() && dot != std::string::npos &&
        suggestion.compare(0, dot + 1, path, 0, dot + 1) == 0) {
      suggestion = suggestion.substr(dot + 1);
    }
    if (suggestion.empty() && candidates.size() <= 8) {
      // A short list (a phase's keys, the top-level sections) is worth
      // showing whole when nothing is close.
      std::string listed;
      for (const auto& candidate : candidates) {
        std::string shown = candidate;
        if (dot != std::string::npos && shown.compare(0, dot + 1, path, 0, dot + 1) == 0) {
          shown = shown.substr(dot + 1);
        }
        listed += (listed.empty() ? "" : ", ") + shown;
      }
      return ConfigError(file_, position_of(key_node), path,
                         "unknown key; expected one of " + listed);
    }
    return ConfigError(file_, position_of(key_node), path,
                       suggestion.empty()
                           ? std::string("unknown key")
                           : fmt::format("unknown key; did you mean '{}'?", suggestion));
  }

  // The rules of sweep_name_problem, and one more: the reruns of a study
  // are the sweep NAME.rerun_best, so a file may not take such a name.
  static std::string name_problem(const std::string& name) {
    if (std::string problem = sweep_name_problem(name); !problem.empty()) return problem;
    const std::string suffix = ".rerun_best";
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return "ends in .rerun_best, which names the reruns of a study's best settings; "
             "expected another name";
    }
    return "";
  }

  std::string parse_name(const YAML::Node& node) const {
    if (!node.IsScalar() || node.Scalar().empty()) {
      throw ConfigError(
          file_, position_of(node), "name",
          fmt::format("expected the sweep's name as text, found {}", describe_node(node)));
    }
    // Read as text whatever it looks like: `name: no` is the name "no".
    const std::string& name = node.Scalar();
    if (const std::string problem = name_problem(name); !problem.empty()) {
      throw ConfigError(file_, position_of(node), "name", problem);
    }
    return name;
  }

  std::string default_name() const {
    std::string stem = std::filesystem::path(file_).stem().string();
    if (stem.empty()) return "sweep";
    if (const std::string problem = name_problem(stem); !problem.empty()) {
      throw ConfigError(file_, {}, "name",
                        "the sweep's name comes from the file name, which " + problem +
                            "; give the sweep a name: line");
    }
    return stem;
  }

  void parse_section(const std::string& section, const YAML::Node& node, Assignment* out) {
    if (node.IsNull()) return;  // "train:" with nothing under it
    if (!node.IsMap()) {
      throw ConfigError(
          file_, position_of(node), section,
          fmt::format("expected a mapping of settings, found {}", describe_node(node)));
    }
    for (const auto& entry : node) {
      const std::string path = section + "." + entry.first.Scalar();
      if (path == kPhasesPath) {
        parse_phases(entry.second, out);
        continue;
      }
      const ParamSpec* spec = find_parameter(path);
      if (spec == nullptr) throw unknown_key(entry.first, path, parameter_paths());
      (*out)[path] = {parse_parameter(*spec, entry.second, file_), position_of(entry.second)};
    }
  }

  // train.phases: a list of mappings. Each value is stored under its
  // indexed path (train.phases.1.g_steps), where a sweep axis can replace
  // it, and the list itself as its length, for the run to know how many
  // phases it has and where they were written.
  void parse_phases(const YAML::Node& node, Assignment* out) {
    if (!node.IsSequence() || node.size() == 0) {
      throw ConfigError(file_, position_of(node), std::string(kPhasesPath),
                        fmt::format("expected a list of phases such as [{{steps: 2000}}, "
                                    "{{steps: 4000, g_steps: 0}}], found {}",
                                    node.IsSequence() ? "an empty list" : describe_node(node)));
    }
    if (node.size() > kMaxPhases) {
      throw ConfigError(
          file_, position_of(node), std::string(kPhasesPath),
          fmt::format("{} phases; a run may have at most {}", node.size(), kMaxPhases));
    }
    std::size_t index = 0;
    for (const auto& phase : node) {
      const std::string phase_key = phase_path(index);
      if (!phase.IsMap()) {
        throw ConfigError(file_, position_of(phase), phase_key,
                          fmt::format("expected a phase as a mapping such as {{steps: 4000, "
                                      "g_steps: 0}}, found {}",
                                      describe_node(phase)));
      }
      bool has_steps = false;
      for (const auto& entry : phase) {
        const std::string path = phase_key + "." + entry.first.Scalar();
        const std::optional<ParamSpec> spec = find_phase_parameter(path);
        if (!spec) throw unknown_key(entry.first, path, phase_paths(index));
        (*out)[path] = {parse_parameter(*spec, entry.second, file_), position_of(entry.second)};
        has_steps = has_steps || entry.first.Scalar() == "steps";
      }
      if (!has_steps) {
        throw ConfigError(file_, position_of(phase), phase_key,
                          "a phase needs steps: (how many steps it lasts)");
      }
      ++index;
    }
    (*out)[std::string(kPhasesPath)] = {static_cast<std::int64_t>(node.size()), position_of(node)};
  }

  std::vector<LocatedValue> parse_axis_values(const ParamSpec& spec, const YAML::Node& key,
                                              const YAML::Node& list) {
    if (!list.IsSequence()) {
      throw ConfigError(file_, position_of(list), spec.path,
                        fmt::format("expected a list of values to sweep, like [a, b], found {}",
                                    describe_node(list)));
    }
    if (list.size() == 0) {
      throw ConfigError(file_, position_of(key), spec.path,
                        "a sweep axis needs at least one value; an empty list would make a "
                        "sweep of 0 runs");
    }
    std::vector<LocatedValue> values;
    for (const auto& item : list) {
      values.push_back({parse_parameter(spec, item, file_), position_of(item)});
    }
    return values;
  }

  ParamSpec sweepable(const YAML::Node& key_node) const {
    const std::string path = key_node.Scalar();
    if (path == "zip") {
      throw ConfigError(file_, position_of(key_node), "sweep.zip.zip",
                        "zip groups cannot be nested; list several groups under one zip: "
                        "instead");
    }
    if (path == kPhasesPath) {
      throw ConfigError(file_, position_of(key_node), "sweep." + path,
                        "the list of phases cannot be swept as a whole; list the phases under "
                        "train: and sweep one of their values, such as train.phases.0.steps");
    }
    if (std::optional<ParamSpec> phase_spec = find_phase_parameter(path)) return *phase_spec;
    const ParamSpec* spec = find_parameter(path);
    if (spec == nullptr) {
      std::vector<std::string> candidates = parameter_paths();
      const std::optional<PhaseKey> phase =
          parse_phase_path(path.substr(0, path.rfind('.')) + ".steps");
      if (phase) candidates = phase_paths(phase->index);
      candidates.push_back("zip");
      throw ConfigError(file_, position_of(key_node), "sweep." + path, [&] {
        const std::string s = closest_match(path, candidates);
        return s.empty() ? std::string("unknown key to sweep")
                         : fmt::format(
                               "unknown key to sweep; did you mean "
                               "'{}'?",
                               s);
      }());
    }
    if (!spec->identifies_run) {
      throw ConfigError(file_, position_of(key_node), "sweep." + path,
                        "cannot be swept: it says where a run executes, not what it is; set "
                        "it outside sweep: or on the command line");
    }
    return *spec;
  }

  SweepAxis parse_zip_group(const YAML::Node& group) {
    if (!group.IsMap() || group.size() == 0) {
      throw ConfigError(file_, position_of(group), "sweep.zip",
                        fmt::format("expected a mapping of keys to equally long lists, found {}",
                                    group.IsMap() ? "an empty mapping" : describe_node(group)));
    }
    SweepAxis axis;
    SourcePosition first_position;
    for (const auto& entry : group) {
      const ParamSpec& spec = sweepable(entry.first);
      auto values = parse_axis_values(spec, entry.first, entry.second);
      if (!axis.values.empty() && values.size() != axis.size()) {
        throw ConfigError(
            file_, position_of(entry.second), "sweep.zip." + spec.path,
            fmt::format("has {} value{} but {} has {}: the lists of a zip group go together "
                        "value by value and must be equally long",
                        values.size(), values.size() == 1 ? "" : "s", axis.paths.front(),
                        axis.size()));
      }
      axis.paths.push_back(spec.path);
      axis.values.push_back(std::move(values));
    }
    return axis;
  }

  std::vector<SweepAxis> parse_axes(const YAML::Node& node) {
    std::vector<SweepAxis> axes;
    if (node.IsNull()) return axes;
    if (!node.IsMap()) {
      throw ConfigError(file_, position_of(node), "sweep",
                        fmt::format("expected a mapping of keys to lists of values, found {}",
                                    describe_node(node)));
    }
    for (const auto& entry : node) {
      if (entry.first.Scalar() == "zip") {
        // One group as a mapping, or several as a list of mappings.
        if (entry.second.IsSequence()) {
          if (entry.second.size() == 0) {
            throw ConfigError(file_, position_of(entry.first), "sweep.zip",
                              "an empty list of zip groups; remove zip: or give it groups");
          }
          for (const auto& group : entry.second) axes.push_back(parse_zip_group(group));
        } else {
          axes.push_back(parse_zip_group(entry.second));
        }
        continue;
      }
      const ParamSpec& spec = sweepable(entry.first);
      SweepAxis axis;
      axis.paths.push_back(spec.path);
      axis.values.push_back(parse_axis_values(spec, entry.first, entry.second));
      axes.push_back(std::move(axis));
    }
    return axes;
  }

  void check_swept_keys(const SweepDefinition& sweep) const {
    std::set<std::string> seen;
    for (const auto& axis : sweep.axes) {
      for (std::size_t k = 0; k < axis.paths.size(); ++k) {
        if (!seen.insert(axis.paths[k]).second) {
          throw ConfigError(file_, axis.values[k].front().position, "sweep." + axis.paths[k],
                            "swept twice (on its own and in a zip group, or in two groups); "
                            "keep one axis for it");
        }
      }
    }
    if (!sweep.search) return;
    const auto check_not_swept = [&](const Distribution& distribution) {
      if (seen.count(distribution.path) > 0) {
        throw ConfigError(file_, distribution.position, distribution.key_path,
                          "is both on the grid (sweep:) and drawn (search:); keep one of them");
      }
    };
    for (const auto& distribution : sweep.search->common) check_not_swept(distribution);
    for (const auto& group : sweep.search->per_loss) {
      for (const auto& distribution : group.distributions) check_not_swept(distribution);
    }
  }

  std::string_view text_;
  std::string file_;
};

}  // namespace

SweepDefinition parse_sweep_definition(std::string_view text, const std::string& file) {
  return SweepParser(text, file).parse();
}

SweepDefinition load_sweep_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw ConfigError(path.string(), {}, "", "no such sweep file");
  }
  if (std::filesystem::is_directory(status)) {
    throw ConfigError(path.string(), {}, "", "is a folder, expected a sweep file (.yaml)");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ConfigError(path.string(), {}, "", "is not a regular file, expected a sweep file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxSweepFileBytes) {
    throw ConfigError(
        path.string(), {}, "",
        fmt::format("is {} bytes; a sweep file may have at most {}", size, kMaxSweepFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string(), {}, "", "cannot read the sweep file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_sweep_definition(buffer.str(), path.string());
}

}  // namespace gansweep
