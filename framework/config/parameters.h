// Every setting a sweep file can give, addressed by its dotted path
// ("train.lr"), with its type, default, allowed range and meaning. This one
// table drives parsing, validation, "did you mean" suggestions, run keys and
// `gansweep keys`. Defaults are part of stored results (a key at its default
// is left out of the run key), so a default must never change once released.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace gansweep {

using ParamValue = std::variant<std::int64_t, double, std::string, bool>;

enum class ParamType { kInteger, kReal, kChoice, kText, kBool };

struct ParamSpec {
  std::string path;
  ParamType type = ParamType::kText;
  // Empty when the key is required (data.kind) or when its default is
  // derived from another key (train.lr_g defaults to train.lr).
  std::optional<ParamValue> default_value;
  bool required = false;
  // False for keys that only say where or how a run executes (device, data
  // path): they are left out of the run key and cannot be swept.
  bool identifies_run = true;
  std::vector<std::string> choices;  // for kChoice
  // Numeric range; a bound is inclusive unless marked exclusive.
  std::optional<double> min;
  bool min_exclusive = false;
  std::optional<double> max;
  bool max_exclusive = false;
  std::string doc;
};

// All keys, in the order they are documented.
const std::vector<ParamSpec>& parameter_specs();

// nullptr when `path` is not a known key.
const ParamSpec* find_parameter(std::string_view path);

// Every known path, for suggestions.
std::vector<std::string> parameter_paths();

// The sections of a sweep file: name, data, model, train, log, sweep,
// search, rerun_best.
const std::vector<std::string>& top_level_keys();

// Converts a YAML scalar to the key's type and checks its range. Numbers
// follow YAML 1.2 (1e-4, 5E-05 and 0.0001 are numbers); an integer key also
// takes a real that is a whole number (1e3). Throws ConfigError located at
// `node` in `file`.
ParamValue parse_parameter(const ParamSpec& spec, const YAML::Node& node, const std::string& file);

// "" when a number is within the key's range, else what was expected
// ("expected a value in [0, 1)"): for values that were not read from the
// file but drawn from a range written there.
std::string range_problem(const ParamSpec& spec, double value);

// Canonical text of a value: integers in decimal, reals in the shortest form
// that reads back to the same double (1e-4 and 0.0001 both give 0.0001),
// text as is, booleans as true/false.
std::string format_value(const ParamValue& value);

// The value as JSON (reals that are not finite cannot occur: parsing refuses
// them).
std::string value_to_json(const ParamValue& value);

// A whole-number setting in [min, max] that is not a run setting (a search's
// sample count, a rerun's seeds), for parse_parameter's checks and messages.
ParamSpec whole_number_spec(std::string path, double min, double max);

std::string_view type_name(ParamType type);

}  // namespace gansweep
