#include "query/run_filter.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "config/parameters.h"
#include "config/phases.h"
#include "store/step_columns.h"

namespace gansweep::query {
namespace {

struct RunColumn {
  const char* name;
  bool numeric;
};
constexpr RunColumn kRunColumns[] = {
    {"status", false},  {"steps_done", true},    {"first_nonfinite_step", true},
    {"attempts", true}, {"train_seconds", true}, {"device", false},
    {"threads", true},  {"host", false},         {"run_key", false},
    {"sweep", false},
};

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

[[noreturn]] void unknown_field(const std::string& text) {
  std::string accepted = "a setting (train.lr, or lr when unambiguous), ";
  for (const auto& c : kRunColumns) accepted += std::string(c.name) + ", ";
  for (const auto c : store::kStepMetricColumns) accepted += std::string(c) + ", ";
  for (std::size_t i = 0; i + 1 < kEvalColumns.size(); ++i) {
    accepted += std::string(kEvalColumns[i]) + ", ";
  }
  accepted += "or " + std::string(kEvalColumns.back());
  throw std::invalid_argument(fmt::format("unknown field '{}'; expected {}", text, accepted));
}

}  // namespace

RunField resolve_run_field(const std::string& text) {
  const auto numeric_setting = [](const ParamSpec& spec) {
    return spec.type == ParamType::kInteger || spec.type == ParamType::kReal;
  };
  if (const ParamSpec* spec = find_parameter(text)) {
    return {RunField::Kind::kSetting, spec->path, numeric_setting(*spec)};
  }
  if (const std::optional<ParamSpec> spec = find_phase_parameter(text)) {
    return {RunField::Kind::kSetting, spec->path, numeric_setting(*spec)};
  }
  for (const auto& c : kRunColumns) {
    if (text == c.name) return {RunField::Kind::kRunColumn, text, c.numeric};
  }
  for (const auto c : store::kStepMetricColumns) {
    if (text == c) return {RunField::Kind::kFinalStep, text, true};
  }
  for (const auto c : kEvalColumns) {
    if (text == c) return {RunField::Kind::kFinalEval, text, true};
  }
  // A setting's last part, when only one setting ends that way.
  std::vector<const ParamSpec*> matches;
  for (const auto& spec : parameter_specs()) {
    if (spec.path.size() > text.size() + 1 &&
        spec.path.compare(spec.path.size() - text.size(), text.size(), text) == 0 &&
        spec.path[spec.path.size() - text.size() - 1] == '.') {
      matches.push_back(&spec);
    }
  }
  if (matches.size() == 1) {
    return {RunField::Kind::kSetting, matches[0]->path, numeric_setting(*matches[0])};
  }
  if (matches.size() > 1) {
    std::string paths;
    for (const auto* m : matches) paths += (paths.empty() ? "" : ", ") + m->path;
    throw std::invalid_argument(
        fmt::format("'{}' is ambiguous: it could be {}; write the full path", text, paths));
  }
  unknown_field(text);
}

RunFilter parse_run_filter(const std::string& text) {
  // Two-character operators first, so "<=" is not read as "<".
  static const std::vector<std::pair<std::string, CompareOp>> kOps = {
      {"!=", CompareOp::kNotEqual}, {"<=", CompareOp::kLessEqual}, {">=", CompareOp::kGreaterEqual},
      {"==", CompareOp::kEqual},    {"=", CompareOp::kEqual},      {"<", CompareOp::kLess},
      {">", CompareOp::kGreater}};
  std::size_t at = std::string::npos;
  std::size_t length = 0;
  CompareOp op = CompareOp::kEqual;
  for (const auto& [symbol, candidate] : kOps) {
    const auto found = text.find(symbol);
    if (found != std::string::npos && (found < at || (found == at && symbol.size() > length))) {
      at = found;
      length = symbol.size();
      op = candidate;
    }
  }
  if (at == std::string::npos) {
    throw std::invalid_argument(fmt::format(
        "filter '{}' has no operator; expected FIELD OP VALUE with OP one of = != < <= > >=",
        text));
  }
  RunFilter filter;
  filter.field = resolve_run_field(trim(text.substr(0, at)));
  filter.op = op;
  const std::string value = trim(text.substr(at + length));
  if (value.empty()) {
    throw std::invalid_argument(fmt::format("filter '{}' has no value after the operator", text));
  }
  if (filter.field.numeric) {
    errno = 0;
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || errno == ERANGE) {
      throw std::invalid_argument(fmt::format(
          "filter '{}': {} is numeric, and '{}' is not a number", text, filter.field.name, value));
    }
    filter.value = number;
  } else {
    if (op != CompareOp::kEqual && op != CompareOp::kNotEqual) {
      throw std::invalid_argument(
          fmt::format("filter '{}': {} is text and takes only = or !=", text, filter.field.name));
    }
    filter.value = value;
  }
  return filter;
}

std::string sql_operator(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "=";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
  }
  return "=";
}

}  // namespace gansweep::query
