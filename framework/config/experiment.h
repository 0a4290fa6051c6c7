// One run's resolved settings, typed, with defaults applied and every
// cross-key rule checked; and the canonical form that names the run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/choices.h"
#include "config/phases.h"
#include "config/sweep_definition.h"

namespace gansweep {

// log.eval_samples on image data: the default when the key is not given
// (the registry's 2500 is the toy-data protocol's), and the most allowed.
// An image costs a generator and a classifier pass: 1000 take about 0.2 s
// on one core.
inline constexpr std::int64_t kImageEvalSamples = 1000;
inline constexpr std::int64_t kMaxImageEvalSamples = 10000;

struct Experiment {
  DataKind data_kind = DataKind::kRing8;
  std::string data_path;

  ModelKind model_kind = ModelKind::kMlp;
  std::int64_t hidden = 0;
  std::int64_t depth = 0;
  std::int64_t z_dim = 0;
  std::int64_t width = 0;

  std::int64_t steps = 0;  // with phases, their sum
  std::int64_t batch = 0;
  LossKind loss = LossKind::kNonSaturating;
  double lr = 0;  // as written; lr_g and lr_d are the effective rates
  double lr_g = 0;
  double lr_d = 0;
  double beta1 = 0;
  double beta2 = 0;
  std::int64_t d_steps = 0;  // with phases, the default of each phase
  std::int64_t g_steps = 0;
  // As written in train.phases, every value effective; empty when the file
  // gives none (the run is then one phase: training_phases()).
  std::vector<TrainingPhase> phases;
  std::uint64_t seed = 0;
  double gp_lambda = 0;
  std::string device;

  std::int64_t log_every = 0;
  std::int64_t eval_every = 0;
  std::int64_t layer_every = 0;
  std::int64_t eval_samples = 0;  // toy points or images scored per evaluation
  std::int64_t sample_count = 0;
};

// The phases the run trains through: train.phases, or a single phase of
// train.steps steps with the run's d_steps and g_steps.
std::vector<TrainingPhase> training_phases(const Experiment& experiment);

// Applies defaults and checks the rules that involve several keys (a DCGAN
// needs image data, batch norm needs two samples, ...). Errors point at the
// offending value's position in `file` when it was written there.
Experiment resolve_experiment(const Assignment& settings, const std::string& file);

// Whether a run of this loss and model reads the key at all: gp_lambda
// only under wasserstein_gp, hidden and depth only for an MLP, width only
// for a DCGAN. A key a run does not read is left out of its run key, and a
// search never draws a value for it.
bool run_reads_parameter(std::string_view path, LossKind loss, ModelKind model);

// Which runs read a key that not every run reads ("used by wasserstein_gp
// only"), for messages; "" for the others.
std::string parameter_use_note(std::string_view path);

// The settings that decide what a run computes and records, with effective
// values (train.lr_g rather than the train.lr shorthand), leaving out keys
// at their defaults and keys the run does not use (gp_lambda outside
// wasserstein_gp, MLP sizes of a DCGAN), as one canonical JSON object with
// sorted keys. Device, threads and paths are not part of it. A run with
// phases holds train.phases (each phase's effective d_steps and g_steps)
// in place of train.steps, train.d_steps and train.g_steps, so runs
// without phases keep the keys they had before phases existed.
std::string canonical_settings(const Experiment& experiment);

// 16 hex digits: the stable hash of canonical_settings.
std::string run_key_of(const Experiment& experiment);

// Every setting with its effective value, defaults and execution keys
// included, as a JSON object nested by section: what `runs.config_json`
// stores.
std::string full_config_json(const Experiment& experiment);

}  // namespace gansweep
