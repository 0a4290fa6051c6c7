// Loads YAML text with the checks yaml-cpp 0.7 leaves out: a key given twice
// in one mapping (yaml-cpp keeps both and a lookup silently returns the
// first), nesting deep enough to exhaust its recursion guard (which it
// reports as a misleading "bad file"), and keys that are not plain scalars.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/config_error.h"

namespace gansweep {

// Deeper nesting is refused: sweep files need four or five levels.
inline constexpr int kMaxYamlNesting = 64;

// Parses `text`; errors are ConfigErrors located in `file_name`.
YAML::Node parse_yaml_strict(std::string_view text, const std::string& file_name);

// 1-based position of a node, from yaml-cpp's 0-based mark.
SourcePosition position_of(const YAML::Node& node);

// "a list", "a mapping", "nothing", or the scalar quoted: for messages.
std::string describe_node(const YAML::Node& node);

}  // namespace gansweep
