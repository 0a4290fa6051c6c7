#include "config/strict_yaml.h"

#include <set>
#include <vector>

#include <fmt/format.h>

#include "util/text.h"

namespace gansweep {
namespace {

// One pass over the text before yaml-cpp sees it: finds the first flow
// bracket that opens level kMaxYamlNesting + 1 (before yaml-cpp recurses into
// it), and a quoted scalar that is never closed (yaml-cpp 0.7 accepts one at
// the end of the text, which then swallows the rest of the file). A quote
// opens a quoted scalar only where a scalar can start: at the start of a
// line or after "- ", ": ", "[", "{", "," or "? ". Comments are skipped; a
// bracket inside a plain or block scalar may be counted too, which matters
// only for text with dozens of unclosed brackets.
void scan_text(std::string_view text, const std::string& file_name) {
  int depth = 0;
  int line = 1;
  int column = 0;
  char quote = 0;
  SourcePosition quote_start;
  bool comment = false;
  char previous = '\n';     // the character before this one
  char significant = '\n';  // the last character that is not a blank
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      previous = c;
      if (quote == 0) significant = c;
      continue;
    }
    if (comment) continue;
    if (quote != 0) {
      if (quote == '"' && c == '\\') {
        ++i;
        ++column;
      } else if (c == quote) {
        // '' inside a single-quoted scalar is an escaped quote.
        if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;
          ++column;
        } else {
          quote = 0;
        }
      }
      previous = c;
      continue;
    }
    const bool blank = c == ' ' || c == '\t';
    const bool scalar_can_start =
        significant == '\n' || significant == '[' || significant == '{' || significant == ',' ||
        ((significant == ':' || significant == '-' || significant == '?') &&
         (previous == ' ' || previous == '\t'));
    if ((c == '"' || c == '\'') && scalar_can_start) {
      quote = c;
      quote_start = {line, column};
    } else if (c == '#' && (previous == ' ' || previous == '\t' || previous == '\n')) {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxYamlNesting) {
        throw ConfigError(file_name, {line, column}, "",
                          fmt::format("nested too deeply: more than {} levels of lists or mappings",
                                      kMaxYamlNesting));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    if (!blank) significant = c;
    previous = c;
  }
  if (quote != 0) {
    throw ConfigError(file_name, quote_start, "",
                      fmt::format("invalid YAML: the quoted text starting here is never closed "
                                  "(expected a closing {})",
                                  quote));
  }
}

// Walks the parsed tree for duplicate keys, non-scalar keys and block
// nesting beyond the limit.
// Aliases (*a) make the tree a graph: ten levels of ten aliases each expand
// to 10^10 values from a few hundred bytes. Every value visited counts, so
// such a file is refused at once instead of walked for hours.
constexpr int kMaxYamlValues = 100000;

void check_tree(const YAML::Node& node, int depth, const std::string& file_name,
                const std::string& path, int* visited) {
  if (++*visited > kMaxYamlValues) {
    throw ConfigError(file_name, position_of(node), path,
                      fmt::format("the file expands to more than {} values (through YAML "
                                  "aliases?); a sweep file needs far fewer",
                                  kMaxYamlValues));
  }
  if (depth > kMaxYamlNesting) {
    throw ConfigError(file_name, position_of(node), path,
                      fmt::format("nested too deeply: more than {} levels", kMaxYamlNesting));
  }
  if (node.IsSequence()) {
    int index = 0;
    for (const auto& item : node) {
      check_tree(item, depth + 1, file_name, fmt::format("{}[{}]", path, index++), visited);
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
      check_tree(entry.second, depth + 1, file_name, child, visited);
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
      return quote_for_message(node.Scalar());
  }
  return "?";
}

YAML::Node parse_yaml_strict(std::string_view text, const std::string& file_name) {
  scan_text(text, file_name);
  YAML::Node root;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.size() > 1) {
      throw ConfigError(file_name, position_of(documents[1]), "",
                        "the file holds more than one YAML document (a second one starts "
                        "after '---'); a sweep file is one document");
    }
    if (!documents.empty()) root = documents.front();
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
  int visited = 0;
  check_tree(root, 0, file_name, "", &visited);
  return root;
}

}  // namespace gansweep
