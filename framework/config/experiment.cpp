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

  const Assignment& settings() const { return settings_; }

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

// train.phases with every value effective (d_steps and g_steps default to
// the run's), after checking what no single value shows: keys of phases the
// list does not have (from sweep axes), updates in every phase, and a run
// length given once.
std::vector<TrainingPhase> resolve_phases(const SettingsReader& r, const Experiment& e) {
  const std::string list_path(kPhasesPath);
  const auto list = r.settings().find(list_path);
  const std::size_t count =
      list == r.settings().end()
          ? 0
          : static_cast<std::size_t>(std::get<std::int64_t>(list->second.value));
  for (const auto& [path, value] : r.settings()) {
    const std::optional<PhaseKey> key = parse_phase_path(path);
    if (!key || key->index < count) continue;
    if (count == 0) {
      r.fail(path,
             "this run has no train.phases to set a value of; list the phases under "
             "train: first");
    }
    r.fail(path, fmt::format("there is no phase {}: train.phases lists {} phase{} (0 to {})",
                             key->index, count, count == 1 ? "" : "s", count - 1));
  }
  if (count == 0) return {};

  std::vector<TrainingPhase> phases;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string d_path = phase_path(i, "d_steps");
    const std::string g_path = phase_path(i, "g_steps");
    const std::string fresh_path = phase_path(i, "fresh_discriminator");
    TrainingPhase phase;
    phase.steps = r.integer(phase_path(i, "steps"));
    phase.d_steps = r.given(d_path) ? r.integer(d_path) : e.d_steps;
    phase.g_steps = r.given(g_path) ? r.integer(g_path) : e.g_steps;
    phase.fresh_discriminator = r.given(fresh_path) && std::get<bool>(r.value(fresh_path));
    if (phase.d_steps == 0 && phase.g_steps == 0) {
      // The run-wide counts are at least 1, so one of the two was written.
      r.fail(r.given(g_path) ? g_path : d_path,
             "d_steps and g_steps are both 0 in this phase: a step needs at least one "
             "update (freeze one network, not both)");
    }
    if (i == 0 && phase.fresh_discriminator) {
      r.fail(fresh_path,
             "the first phase starts with a new discriminator anyway; fresh_discriminator "
             "re-initialises D at the start of a later phase");
    }
    total += phase.steps;
    phases.push_back(phase);
  }
  const auto max_steps = static_cast<std::int64_t>(*find_parameter("train.steps")->max);
  if (total > max_steps) {
    r.fail(list_path, fmt::format("the phases add up to {} steps; a run may have at most {}", total,
                                  max_steps));
  }
  if (r.given("train.steps")) {
    r.fail("train.steps",
           fmt::format("give train.steps or train.phases, not both: a run with phases lasts "
                       "as many steps as its phases together ({} here)",
                       total));
  }
  return phases;
}

}  // namespace

std::vector<TrainingPhase> training_phases(const Experiment& e) {
  if (!e.phases.empty()) return e.phases;
  TrainingPhase whole;
  whole.steps = e.steps;
  whole.d_steps = e.d_steps;
  whole.g_steps = e.g_steps;
  return {whole};
}

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
  e.phases = resolve_phases(r, e);
  if (!e.phases.empty()) {
    e.steps = 0;
    for (const auto& phase : e.phases) e.steps += phase.steps;
  }
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
  // With phases the run's length and update counts are the phases'.
  const bool phased = !e.phases.empty();
  if (!phased) add("train.steps", e.steps);
  add("train.batch", e.batch);
  add("train.loss", std::string(name_of(e.loss)));
  add("train.lr_g", e.lr_g);
  add("train.lr_d", e.lr_d);
  add("train.beta1", e.beta1);
  add("train.beta2", e.beta2);
  if (!phased) {
    add("train.d_steps", e.d_steps);
    add("train.g_steps", e.g_steps);
  }
  add("train.seed", static_cast<std::int64_t>(e.seed));
  add("train.gp_lambda", e.gp_lambda);
  add("log.every", e.log_every);
  add("log.eval_every", e.eval_every);
  add("log.layer_every", e.layer_every);
  add("log.eval_samples", e.eval_samples);
  add("log.sample_count", e.sample_count);

  // (path, JSON text) of the values kept, sorted by path.
  std::vector<std::pair<std::string, std::string>> kept;
  if (phased) kept.emplace_back(std::string(kPhasesPath), phases_to_json(e.phases));
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
    kept.emplace_back(path, value_to_json(value));
  }
  std::sort(kept.begin(), kept.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string json = "{";
  for (const auto& [path, value_json] : kept) {
    if (json.size() > 1) json += ',';
    json += nlohmann::json(path).dump() + ':' + value_json;
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
  // Only runs that have phases list them, so the settings of runs without
  // phases read as they did before phases existed.
  if (!e.phases.empty())
    j["train"]["phases"] = nlohmann::ordered_json::parse(phases_to_json(e.phases));
  j["log"] = {{"every", e.log_every},
              {"eval_every", e.eval_every},
              {"layer_every", e.layer_every},
              {"eval_samples", e.eval_samples},
              {"sample_count", e.sample_count}};
  return j.dump();
}

}  // namespace gansweep
