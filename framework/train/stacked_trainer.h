// Trains R runs of one sweep as one stacked model: the MLPs of all runs are
// evaluated with batched matrix products (models/stacked_mlp.h) and updated
// by one batched Adam (stacked_adam.h), so small models, whose training is
// dominated by the fixed cost of each operation, train several times faster
// in aggregate than one process per run.
//
// Each run keeps everything a separate run has: its own seed tree (initial
// weights, data order, noise, penalty draws come from the run's own streams,
// drawn in the run's own order), learning rates, loss and d_steps. Runs
// with fewer D steps than the group's most take theirs at the end of each
// step's D phase and are left untouched before, so each run's sequence of
// updates is its own. Each run records exactly the rows a separate run
// records, equal to float rounding (the batched products round differently
// from single ones), not bit for bit; a run that diverges stops there and
// the others go on.
//
// What the group must share is stacking_signature() in runner/run_groups.h.
// wall_ms in a stacked run's rows is the group's step time divided by the
// runs still training: each run's share of the time.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "config/experiment.h"
#include "data/real_data.h"
#include "models/stacked_mlp.h"
#include "train/stacked_adam.h"
#include "train/trainer.h"

namespace gansweep {

class StackedTrainer {
 public:
  // Builds run r's networks exactly as a separate Trainer would, then stacks
  // them. Throws std::invalid_argument when the experiments cannot be
  // stacked together (see stacking_signature), data::DataError for missing
  // data. options.on_step gets the group's steps done.
  StackedTrainer(std::vector<Experiment> runs, TrainOptions options);

  std::int64_t runs() const { return static_cast<std::int64_t>(runs_.size()); }
  const Experiment& experiment(std::int64_t run) const { return runs_[run]; }

  // Leaves run r out of training from the start (it was finished before).
  // Only before train().
  void exclude(std::int64_t run);

  // Trains every run to the group's steps, recording run r's rows in
  // recorders[r]. on_run_ended(r, result) is called as soon as a run
  // diverges, so its outcome can be recorded while the others train on.
  // Returns each run's result (excluded runs: steps_done 0, kDone, unused).
  std::vector<TrainResult> train(
      const std::vector<RunRecorder*>& recorders,
      const std::function<void(std::int64_t, const TrainResult&)>& on_run_ended = {});

  // The whole group in one file: both stacked networks, both optimisers'
  // states, every run's random streams and data position, which runs are
  // still training, the step and the time. Format as in checkpoint_file.h.
  void save_checkpoint(const std::filesystem::path& path) const;
  // Loads a checkpoint of this same group (the same run keys in the same
  // order). Returns the step. Throws CheckpointError; the trainer may then be
  // half loaded: build a new one.
  std::int64_t resume_from(const std::filesystem::path& path);

  // Run r's generator as a single-run module archive, like
  // Trainer::save_generator.
  void save_generator(std::int64_t run, const std::filesystem::path& path) const;

  // Test hooks: run r's parameters of each network, flat in the order and
  // layout of a single run's module.
  torch::Tensor generator_parameters(std::int64_t run) const;
  torch::Tensor discriminator_parameters(std::int64_t run) const;

 private:
  struct Update {
    torch::Tensor loss;           // (R)
    torch::Tensor real_logits;    // (R, B, 1); D updates only
    torch::Tensor fake_logits;    // (R, B, 1)
    torch::Tensor gradient_sums;  // (R) double on the CPU, from the optimiser
  };
  Update discriminator_update(const std::vector<bool>& active);
  Update generator_update(const std::vector<bool>& active);
  void draw_noise(const std::vector<bool>& active);
  torch::Tensor loss_per_run(const std::function<torch::Tensor(LossKind)>& loss_of_kind) const;
  torch::Tensor gradient_norms() const;  // (R, 2) double on the CPU: G, D
  void evaluate(std::int64_t steps_done, const std::vector<RunRecorder*>& recorders);
  void record_layer_grads(std::int64_t step, const std::vector<RunRecorder*>& recorders) const;
  void park(std::int64_t run);

  std::vector<Experiment> runs_;
  TrainOptions options_;
  std::optional<data::ToyMixture> mixture_;
  std::vector<std::unique_ptr<data::RealDataSource>> real_data_;
  std::vector<at::Generator> noise_streams_;
  std::vector<at::Generator> penalty_streams_;
  std::unique_ptr<StackedMlp> generator_;
  std::unique_ptr<StackedMlp> discriminator_;
  std::unique_ptr<StackedAdam> optimizer_g_;
  std::unique_ptr<StackedAdam> optimizer_d_;
  bool penalty_ = false;          // wasserstein_gp group
  torch::Tensor penalty_weight_;  // (R) lambda per run
  torch::Tensor real_;            // (R, B, ...) this update's real batches
  torch::Tensor noise_;           // (R, B, z)
  torch::Tensor mix_;             // (R, B) penalty mixing weights
  torch::Tensor eval_noise_;      // (R, N, z)
  // Row r of real_, noise_ and mix_, made once: a slice made per draw costs
  // as much as the draw.
  std::vector<torch::Tensor> real_rows_;
  std::vector<torch::Tensor> noise_rows_;
  std::vector<torch::Tensor> mix_rows_;
  // Per loss of the group, the runs that have it, (R) bool; one entry for
  // the usual group of one loss.
  std::vector<std::pair<LossKind, torch::Tensor>> loss_masks_;
  torch::Tensor zero_;          // a scalar 0 on the device, for masking
  std::vector<bool> training_;  // runs still training
  std::vector<TrainResult> results_;
  std::int64_t steps_done_ = 0;
  double seconds_before_ = 0;
  bool resumed_ = false;
};

}  // namespace gansweep
