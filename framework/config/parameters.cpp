#include "config/parameters.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/choices.h"
#include "config/config_error.h"
#include "config/strict_yaml.h"
#include "util/text.h"

namespace gansweep {
namespace {

ParamSpec integer(std::string path, std::int64_t default_value, double min, double max,
                  std::string doc) {
  ParamSpec spec;
  spec.path = std::move(path);
  spec.type = ParamType::kInteger;
  spec.default_value = default_value;
  spec.min = min;
  spec.max = max;
  spec.doc = std::move(doc);
  return spec;
}

ParamSpec real(std::string path, std::optional<double> default_value, std::string doc) {
  ParamSpec spec;
  spec.path = std::move(path);
  spec.type = ParamType::kReal;
  if (default_value) spec.default_value = *default_value;
  spec.doc = std::move(doc);
  return spec;
}

ParamSpec choice(std::string path, std::optional<std::string> default_value,
                 std::vector<std::string> choices, std::string doc) {
  ParamSpec spec;
  spec.path = std::move(path);
  spec.type = ParamType::kChoice;
  if (default_value) spec.default_value = *default_value;
  spec.required = !default_value.has_value();
  spec.choices = std::move(choices);
  spec.doc = std::move(doc);
  return spec;
}

// Upper bounds keep a typo (hidden: 1e10) from reaching LibTorch as an
// allocation failure deep inside a run; they are far above what a GAN-loss
// comparison uses.
std::vector<ParamSpec> build_specs() {
  std::vector<ParamSpec> specs;

  specs.push_back(choice("data.kind", std::nullopt, data_names(),
                         "Real data: 2-D Gaussian mixtures or 28x28 images. Required."));
  ParamSpec data_path;
  data_path.path = "data.path";
  data_path.type = ParamType::kText;
  data_path.default_value = std::string("/usr/share/datasets/fashion-mnist");
  data_path.identifies_run = false;
  data_path.doc = "Folder with the four Fashion-MNIST IDX files (.gz or raw).";
  specs.push_back(data_path);

  specs.push_back(choice("model.kind", std::string("mlp"), model_names(),
                         "mlp fits any data; dcgan images only."));
  specs.push_back(integer("model.hidden", 128, 1, 65536, "MLP hidden units per layer."));
  specs.push_back(integer("model.depth", 2, 1, 64, "MLP hidden layers, in G and in D."));
  specs.push_back(integer("model.z_dim", 64, 1, 65536, "Dimension of the generator's noise."));
  specs.push_back(integer("model.width", 64, 1, 4096,
                          "DCGAN base width: G has 4w, 2w, w channels, D w, 2w, 4w "
                          "(64 is the LibTorch example's size)."));

  specs.push_back(integer("train.steps", 2000, 1, 1e9,
                          "Training steps; one step is d_steps D updates then g_steps "
                          "G updates."));
  specs.push_back(
      integer("train.batch", 64, 1, 1 << 20, "Batch size of real and of fake samples."));
  specs.push_back(choice("train.loss", std::string("non_saturating"), loss_names(),
                         "The GAN objective (README: Losses)."));
  ParamSpec lr = real("train.lr", 2e-4, "Adam learning rate of both networks.");
  lr.min = 0;
  lr.min_exclusive = true;
  specs.push_back(lr);
  ParamSpec lr_g = real("train.lr_g", std::nullopt, "Generator learning rate; default train.lr.");
  lr_g.min = 0;
  lr_g.min_exclusive = true;
  specs.push_back(lr_g);
  ParamSpec lr_d =
      real("train.lr_d", std::nullopt, "Discriminator learning rate; default train.lr.");
  lr_d.min = 0;
  lr_d.min_exclusive = true;
  specs.push_back(lr_d);
  for (const auto& [path, default_beta] :
       {std::pair<std::string, double>{"train.beta1", 0.5}, {"train.beta2", 0.999}}) {
    // beta = 1 would divide by zero in Adam's bias correction.
    ParamSpec beta = real(path, default_beta, "Adam " + path.substr(6) + ", in [0, 1).");
    beta.min = 0;
    beta.max = 1;
    beta.max_exclusive = true;
    specs.push_back(beta);
  }
  specs.push_back(integer("train.d_steps", 1, 1, 1000, "Discriminator updates per step."));
  specs.push_back(integer("train.g_steps", 1, 1, 1000, "Generator updates per step."));
  specs.push_back(integer("train.seed", 0, 0, 9.0e15,
                          "Root of the run's seed tree (data order, G init, D init, "
                          "noise)."));
  ParamSpec gp =
      real("train.gp_lambda", 10.0, "Gradient-penalty weight; used by wasserstein_gp only.");
  gp.min = 0;
  specs.push_back(gp);
  ParamSpec device;
  device.path = "train.device";
  device.type = ParamType::kText;
  device.default_value = std::string("auto");
  device.identifies_run = false;
  device.doc = "auto (CUDA if present, else CPU), cpu, cuda or cuda:N.";
  specs.push_back(device);

  specs.push_back(integer("log.every", 1, 1, 1e9, "Record a step row every this many steps."));
  specs.push_back(integer("log.eval_every", 500, 1, 1e9,
                          "Evaluate the generator every this many steps (and at the end)."));
  specs.push_back(integer("log.layer_every", 100, 0, 1e9,
                          "Record per-layer gradient norms every this many steps; 0: never."));
  specs.push_back(integer("log.eval_samples", 2500, 1, 1e6,
                          "Generated samples per evaluation: toy points (VEEGAN protocol: "
                          "2500), or images for the Frechet distance and class coverage "
                          "(1000 when not given; 2 to 10000)."));
  specs.push_back(integer("log.sample_count", 64, 0, 4096,
                          "Fixed-noise samples stored at each evaluation, for the report."));
  return specs;
}

enum class NumberText { kNumber, kNotANumber, kOutOfRange };

// Reads a YAML 1.2 decimal number ("1e-4", "5E-05", "-0.5", "2000"). A number
// too large or too small for a double is out of range, not "not a number".
NumberText parse_number_text(const std::string& text, double* out) {
  if (text.empty()) return NumberText::kNotANumber;
  // strtod also reads "inf", "nan" and hex floats; a setting is never one.
  for (char c : text) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return NumberText::kNotANumber;
    }
  }
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return NumberText::kNotANumber;
  if (errno == ERANGE) return NumberText::kOutOfRange;
  // -0 and 0 are the same setting (and must give the same run key).
  *out = value == 0.0 ? 0.0 : value;
  return NumberText::kNumber;
}

// A quoted or !!str-tagged scalar is text in YAML, even when it looks like a
// number; a plain scalar has the non-specific tag "?".
bool is_plain_or_numeric_tag(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float";
}

std::string range_text(const ParamSpec& spec) {
  std::string text;
  if (spec.min && spec.max) {
    return fmt::format("in {}{}, {}{}", spec.min_exclusive ? "(" : "[", *spec.min, *spec.max,
                       spec.max_exclusive ? ")" : "]");
  }
  if (spec.min) return fmt::format("{} {}", spec.min_exclusive ? ">" : ">=", *spec.min);
  if (spec.max) return fmt::format("{} {}", spec.max_exclusive ? "<" : "<=", *spec.max);
  return text;
}

void check_range(const ParamSpec& spec, double value, const YAML::Node& node,
                 const std::string& file) {
  if (const std::string problem = range_problem(spec, value); !problem.empty()) {
    throw ConfigError(
        file, position_of(node), spec.path,
        fmt::format("{} is out of range: {}", shorten_for_message(node.Scalar()), problem));
  }
}

}  // namespace

std::string range_problem(const ParamSpec& spec, double value) {
  const bool too_low = spec.min && (spec.min_exclusive ? value <= *spec.min : value < *spec.min);
  const bool too_high = spec.max && (spec.max_exclusive ? value >= *spec.max : value > *spec.max);
  if (!too_low && !too_high) return "";
  return "expected a value " + range_text(spec);
}

const std::vector<ParamSpec>& parameter_specs() {
  static const std::vector<ParamSpec> specs = build_specs();
  return specs;
}

const ParamSpec* find_parameter(std::string_view path) {
  for (const auto& spec : parameter_specs()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

std::vector<std::string> parameter_paths() {
  std::vector<std::string> paths;
  for (const auto& spec : parameter_specs()) paths.push_back(spec.path);
  return paths;
}

const std::vector<std::string>& top_level_keys() {
  static const std::vector<std::string> keys{"name", "data",  "model",  "train",
                                             "log",  "sweep", "search", "rerun_best"};
  return keys;
}

ParamSpec whole_number_spec(std::string path, double min, double max) {
  ParamSpec spec;
  spec.path = std::move(path);
  spec.type = ParamType::kInteger;
  spec.min = min;
  spec.max = max;
  return spec;
}

std::string_view type_name(ParamType type) {
  switch (type) {
    case ParamType::kInteger:
      return "integer";
    case ParamType::kReal:
      return "number";
    case ParamType::kChoice:
      return "choice";
    case ParamType::kText:
      return "text";
    case ParamType::kBool:
      return "true/false";
  }
  return "?";
}

ParamValue parse_parameter(const ParamSpec& spec, const YAML::Node& node, const std::string& file) {
  const auto fail = [&](const std::string& message) {
    throw ConfigError(file, position_of(node), spec.path, message);
  };
  if (!node.IsScalar()) {
    fail(fmt::format("expected {}, found {}",
                     spec.type == ParamType::kChoice    ? "one of " + join_choices(spec.choices)
                     : spec.type == ParamType::kInteger ? std::string("a whole number")
                                                        : "a " + std::string(type_name(spec.type)),
                     describe_node(node)));
  }
  const std::string& text = node.Scalar();
  const bool numeric = spec.type == ParamType::kInteger || spec.type == ParamType::kReal;
  if (numeric && !is_plain_or_numeric_tag(node)) {
    fail(fmt::format("expected a {}, found the text {}: write numbers without quotes",
                     spec.type == ParamType::kInteger ? "whole number" : "number",
                     quote_for_message(text)));
  }

  switch (spec.type) {
    case ParamType::kInteger: {
      double value = 0;
      const NumberText kind = parse_number_text(text, &value);
      if (kind == NumberText::kNotANumber ||
          (kind == NumberText::kNumber && value != std::floor(value))) {
        fail(fmt::format("expected a whole number, found {}", quote_for_message(text)));
      }
      // Beyond 2^53 a double no longer holds every whole number exactly.
      if (kind == NumberText::kOutOfRange || std::fabs(value) > 9.0e15) {
        fail(fmt::format("{} is out of range: expected a value {}", quote_for_message(text),
                         range_text(spec)));
      }
      check_range(spec, value, node, file);
      return static_cast<std::int64_t>(value);
    }
    case ParamType::kReal: {
      double value = 0;
      const NumberText kind = parse_number_text(text, &value);
      if (kind == NumberText::kNotANumber) {
        fail(fmt::format("expected a number, found {}", quote_for_message(text)));
      }
      if (kind == NumberText::kOutOfRange || !std::isfinite(value)) {
        fail(fmt::format("{} is out of range: it is too large or too small for a double",
                         quote_for_message(text)));
      }
      check_range(spec, value, node, file);
      return value;
    }
    case ParamType::kChoice: {
      for (const auto& c : spec.choices) {
        if (c == text) return text;
      }
      const std::string suggestion = closest_match(text, spec.choices);
      fail(fmt::format("unknown value {}; expected one of {}{}", quote_for_message(text),
                       join_choices(spec.choices),
                       suggestion.empty() ? "" : fmt::format(" (did you mean '{}'?)", suggestion)));
      break;
    }
    case ParamType::kText:
      // Paths and device names; a longer value is a mistake, and would only
      // be echoed back in every error message.
      if (text.size() > 4096) {
        fail(fmt::format("is {} bytes long; expected at most 4096", text.size()));
      }
      return text;
    case ParamType::kBool:
      // YAML 1.2: only true and false; yes/no/on/off are strings.
      if (text == "true") return true;
      if (text == "false") return false;
      fail(fmt::format("expected true or false, found {}", quote_for_message(text)));
  }
  return text;
}

std::string format_value(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else {
          // fmt prints doubles in their shortest round-trip form.
          return fmt::format("{}", v);
        }
      },
      value);
}

std::string value_to_json(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return nlohmann::json(v).dump();
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          // Shortest round-trip form, and always recognisably a real.
          std::string text = fmt::format("{}", v);
          if (text.find_first_of(".eE") == std::string::npos) text += ".0";
          return text;
        } else {
          return fmt::format("{}", v);
        }
      },
      value);
}

}  // namespace gansweep
