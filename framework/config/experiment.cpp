#include "config/experiment.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/stable_hash.h"

namespace gansweep {
namespace {

// Reads settings, falling back to the registry's defaults.
class SettingsReader {
 public:
  SettingsReader(const Assignment& settings, const std::string& file)
      : settings_(settings), file_(file) {}

  const ParamValue& value(const std::string& path) const {
    const auto it = settings_.find(path);
    if (it != settings_.end()) return it->second.value;
    const ParamSpec* spec = find_parameter(path);
    if (spec == nullptr || !spec->default_value) {
      throw ConfigError(file_, {}, path, "missing: this key has no default and must be given");
    }
    return *spec->default_value;
  }

  bool given(const std::string& path) const { return settings_.count(path) > 0; }

  std::int64_t integer(const std::string& path) const {
    return std::get<std::int64_t>(value(path));
  }
  double real(const std::string& path) const { return std::get<double>(value(path)); }
  const std::string& text(const std::string& path) const {
    return std::get<std::string>(value(path));
  }

  // Position of a written value, for cross-key errors.
  SourcePosition position(const std::string& path) const {
    const auto it = settings_.find(path);
    return it == settings_.end() ? SourcePosition{} : it->second.position;
  }

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw ConfigError(file_, position(path), path, message);
  }

 private:
  const Assignment& settings_;
  const std::string& file_;
};

bool has_batch_norm(const Experiment& e) { return e.model_kind == ModelKind::kDcgan; }

}  // namespace

Experiment resolve_experiment(const Assignment& settings, const std::string& file) {
  const SettingsReader r(settings, file);
  Experiment e;
  e.data_kind = *parse_data_kind(r.text("data.kind"));
  e.data_path = r.text("data.path");

  e.model_kind = *parse_model_kind(r.text("model.kind"));
  e.hidden = r.integer("model.hidden");
  e.depth = r.integer("model.depth");
  e.z_dim = r.integer("model.z_dim");
  e.width = r.integer("model.width");

  e.steps = r.integer("train.steps");
  e.batch = r.integer("train.batch");
  e.loss = *parse_loss_kind(r.text("train.loss"));
  e.lr = r.real("train.lr");
  e.lr_g = r.given("train.lr_g") ? r.real("train.lr_g") : e.lr;
  e.lr_d = r.given("train.lr_d") ? r.real("train.lr_d") : e.lr;
  e.beta1 = r.real("train.beta1");
  e.beta2 = r.real("train.beta2");
  e.d_steps = r.integer("train.d_steps");
  e.g_steps = r.integer("train.g_steps");
  e.seed = static_cast<std::uint64_t>(r.integer("train.seed"));
  e.gp_lambda = r.real("train.gp_lambda");
  e.device = r.text("train.device");

  e.log_every = r.integer("log.every");
  e.eval_every = r.integer("log.eval_every");
  e.layer_every = r.integer("log.layer_every");
  e.eval_samples = r.integer("log.eval_samples");
  e.sample_count = r.integer("log.sample_count");
  if (!is_toy_data(e.data_kind)) {
    if (!r.given("log.eval_samples")) {
      e.eval_samples = kImageEvalSamples;
    } else if (e.eval_samples < 2 || e.eval_samples > kMaxImageEvalSamples) {
      r.fail("log.eval_samples",
             fmt::format("an image evaluation scores 2 to {} samples (a covariance needs at "
                         "least 2), found {}",
                         kMaxImageEvalSamples, e.eval_samples));
    }
  }

  if (e.model_kind == ModelKind::kDcgan && is_toy_data(e.data_kind)) {
    r.fail("model.kind",
           fmt::format("dcgan generates 28x28 images and needs data.kind fashion_mnist, not "
                       "{}; use model.kind mlp for 2-D data",
                       name_of(e.data_kind)));
  }
  if (has_batch_norm(e) && e.batch < 2) {
    r.fail("train.batch", "the dcgan's batch norm needs a batch of at least 2");
  }
  if (const std::string problem = device_setting_problem(e.device); !problem.empty()) {
    r.fail("train.device", problem);
  }
  return e;
}

bool run_reads_parameter(std::string_view path, LossKind loss, ModelKind model) {
  if (path == "train.gp_lambda") return loss == LossKind::kWassersteinGp;
  if (path == "model.hidden" || path == "model.depth") return model == ModelKind::kMlp;
  if (path == "model.width") return model == ModelKind::kDcgan;
  return true;
}

std::string parameter_use_note(std::string_view path) {
  if (path == "train.gp_lambda") return "used by wasserstein_gp only";
  if (path == "model.hidden" || path == "model.depth") return "used by mlp models only";
  if (path == "model.width") return "used by dcgan models only";
  return "";
}

std::string canonical_settings(const Experiment& e) {
  std::vector<std::pair<std::string, ParamValue>> items;
  const auto add = [&](const std::string& path, ParamValue value) {
    if (run_reads_parameter(path, e.loss, e.model_kind)) {
      items.emplace_back(path, std::move(value));
    }
  };
  add("data.kind", std::string(name_of(e.data_kind)));
  add("model.kind", std::string(name_of(e.model_kind)));
  add("model.hidden", e.hidden);
  add("model.depth", e.depth);
  add("model.width", e.width);
  add("model.z_dim", e.z_dim);
  add("train.steps", e.steps);
  add("train.batch", e.batch);
  add("train.loss", std::string(name_of(e.loss)));
  add("train.lr_g", e.lr_g);
  add("train.lr_d", e.lr_d);
  add("train.beta1", e.beta1);
  add("train.beta2", e.beta2);
  add("train.d_steps", e.d_steps);
  add("train.g_steps", e.g_steps);
  add("train.seed", static_cast<std::int64_t>(e.seed));
  add("train.gp_lambda", e.gp_lambda);
  add("log.every", e.log_every);
  add("log.eval_every", e.eval_every);
  add("log.layer_every", e.layer_every);
  add("log.eval_samples", e.eval_samples);
  add("log.sample_count", e.sample_count);

  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string json = "{";
  for (const auto& [path, value] : items) {
    // The effective learning rates default to train.lr's default.
    const std::string default_path =
        (path == "train.lr_g" || path == "train.lr_d") ? "train.lr" : path;
    const ParamSpec* spec = find_parameter(default_path);
    if (path == "log.eval_samples" && !is_toy_data(e.data_kind)) {
      // Images have their own default; image runs from before they were
      // scored keep their keys.
      if (value == ParamValue(kImageEvalSamples)) continue;
    } else if (spec != nullptr && spec->default_value && *spec->default_value == value &&
               path != "data.kind") {
      continue;
    }
    if (json.size() > 1) json += ',';
    json += nlohmann::json(path).dump() + ':' + value_to_json(value);
  }
  return json + "}";
}

std::string run_key_of(const Experiment& experiment) {
  return stable_hash_hex(canonical_settings(experiment));
}

std::string full_config_json(const Experiment& e) {
  // train.lr is the one rate both networks use, whatever shorthand the file
  // used (so a run shared by two sweeps groups the same way in both), and
  // null when the two rates differ.
  const nlohmann::json single_rate =
      e.lr_g == e.lr_d ? nlohmann::json(e.lr_g) : nlohmann::json(nullptr);
  nlohmann::ordered_json j;
  j["data"] = {{"kind", name_of(e.data_kind)}, {"path", e.data_path}};
  j["model"] = {{"kind", name_of(e.model_kind)},
                {"hidden", e.hidden},
                {"depth", e.depth},
                {"z_dim", e.z_dim},
                {"width", e.width}};
  j["train"] = {{"steps", e.steps},     {"batch", e.batch}, {"loss", name_of(e.loss)},
                {"lr", single_rate},    {"lr_g", e.lr_g},   {"lr_d", e.lr_d},
                {"beta1", e.beta1},     {"beta2", e.beta2}, {"d_steps", e.d_steps},
                {"g_steps", e.g_steps}, {"seed", e.seed},   {"gp_lambda", e.gp_lambda},
                {"device", e.device}};
  j["log"] = {{"every", e.log_every},
              {"eval_every", e.eval_every},
              {"layer_every", e.layer_every},
              {"eval_samples", e.eval_samples},
              {"sample_count", e.sample_count}};
  return j.dump();
}

}  // namespace gansweep
