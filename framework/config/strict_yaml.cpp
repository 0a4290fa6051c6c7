#include "config/strict_yaml.h"

#include <set>

#include <fmt/format.h>

namespace gansweep {
namespace {

// Finds the first flow bracket that opens level kMaxYamlNesting + 1, before
// yaml-cpp recurses into it. Quoted strings and comments are skipped; a
// bracket inside a plain or block scalar may be counted too, which can only
// matter for text with dozens of unclosed brackets.
void check_flow_nesting(std::string_view text, const std::string& file_name) {
  int depth = 0;
  int line = 1;
  int column = 0;
  char quote = 0;
  bool comment = false;
  char previous = '\n';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      previous = c;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (quote == '"' && c == '\\') {
        ++i;
        ++column;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (previous == ' ' || previous == '\t' || previous == '\n')) {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxYamlNesting) {
        throw ConfigError(file_name, {line, column}, "",
                          fmt::format("nested too deeply: more than {} levels of "
                                      "lists or mappings",
                                      kMaxYamlNesting));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    previous = c;
  }
}

// Walks the parsed tree for duplicate keys, non-scalar keys and block
// nesting beyond the limit.
void check_tree(const YAML::Node& node, int depth, const std::string& file_name,
                const std::string& path) {
  if (depth > kMaxYamlNesting) {
    throw ConfigError(file_name, position_of(node), path,
                      fmt::format("nested too deeply: more than {} levels", kMaxYamlNesting));
  }
  if (node.IsSequence()) {
    int index = 0;
    for (const auto& item : node) {
      check_tree(item, depth + 1, file_name, fmt::format("{}[{}]", path, index++));
    }
  } else if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        throw ConfigError(file_name, position_of(key), path,
                          "a key must be a plain name, not a list or mapping");
      }
      const std::string name = key.Scalar();
      const std::string child = path.empty() ? name : path + "." + name;
      if (!seen.insert(name).second) {
        throw ConfigError(file_name, position_of(key), child,
                          "key given twice in the same mapping; remove one of them");
      }
      check_tree(entry.second, depth + 1, file_name, child);
    }
  }
}

}  // namespace

SourcePosition position_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
  }
  return "?";
}

YAML::Node parse_yaml_strict(std::string_view text, const std::string& file_name) {
  check_flow_nesting(text, file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    const SourcePosition position =
        e.mark.is_null() ? SourcePosition{} : SourcePosition{e.mark.line + 1, e.mark.column + 1};
    // yaml-cpp 0.7 reports its recursion guard as "bad file" even when
    // parsing a string: say what actually happened.
    std::string message = e.msg;
    if (message == "bad file") {
      message = "nested too deeply for the YAML parser";
    }
    throw ConfigError(file_name, position, "", "invalid YAML: " + message);
  }
  check_tree(root, 0, file_name, "");
  return root;
}

}  // namespace gansweep
