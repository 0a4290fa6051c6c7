// Trains one GAN run: d_steps discriminator updates then g_steps generator
// updates per step, Adam on both, every loss from logits. Records a step row
// every log.every steps, evaluates every log.eval_every steps, and stops at
// the first non-finite loss or gradient (the run has diverged: a result, not
// an error). A run with train.phases takes d_steps and g_steps from the
// phase a step is in; a count of 0 freezes that network, whose gradient is
// still measured every step, and a phase may start with a new discriminator.
//
// Reproducibility: data order, G init, D init, noise and the penalty's
// mixing weights each come from their own stream of the run's seed tree, so
// the same run on the same machine, device and thread count gives
// bit-identical rows, and runs that share a seed share all of these.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <torch/torch.h>

#include "config/experiment.h"
#include "data/real_data.h"
#include "models/network.h"
#include "store/records.h"
#include "train/run_recorder.h"

namespace gansweep {

namespace quality {
class ImageQuality;
}  // namespace quality

struct TrainOptions {
  torch::Device device = torch::kCPU;
  // Checked before every step; when set, training stops and the run is
  // reported as interrupted.
  const std::atomic<bool>* stop_requested = nullptr;
  // Called after every step with the number of steps done.
  std::function<void(std::int64_t)> on_step;
  // Where train() keeps the run's checkpoint (empty: none). One is written
  // every checkpoint_seconds, and when training stops on request; the
  // recorder is flushed first, so the database always holds every row up to
  // the checkpoint's step.
  std::filesystem::path checkpoint_path;
  double checkpoint_seconds = 60;
  // Scores the samples of image runs at each evaluation (Frechet distance,
  // class coverage). Without it image runs store their samples only.
  std::shared_ptr<const quality::ImageQuality> image_quality;
};

struct TrainResult {
  store::RunStatus status = store::RunStatus::kDone;
  std::optional<std::int64_t> first_nonfinite_step;
  std::int64_t steps_done = 0;
  double seconds = 0;
};

// What one update measured, kept as tensors until a row needs them, so that
// unrecorded steps cost no device-to-host copies beyond the divergence check.
struct UpdateStats {
  torch::Tensor loss;         // scalar
  torch::Tensor real_logits;  // (B, 1); D updates only
  torch::Tensor fake_logits;  // (B, 1)
};

// L2 norms of each network's gradients, over all of its parameters.
struct GradientNorms {
  double generator = 0;
  double discriminator = 0;
};

class Trainer {
 public:
  // Loads the data and builds the models. Throws data::DataError for missing
  // or corrupt data files.
  Trainer(const Experiment& experiment, TrainOptions options);

  // Trains from the current position (step 0, or where resume_from() put
  // it) to experiment.steps, or until it diverges or is asked to stop.
  TrainResult train(RunRecorder& recorder);

  // Writes everything the run needs to continue exactly where it is: both
  // networks (with batch-norm statistics), both Adam states, the noise and
  // penalty streams, the data cursor, the step and the training time so
  // far. Written to a temporary file, synced and renamed (atomic).
  void save_checkpoint(const std::filesystem::path& path) const;
  // Loads a checkpoint written by save_checkpoint() for the same run
  // settings; on the CPU with the same thread count, training on gives
  // bit-identical rows to a run never stopped. Returns the step to continue
  // from. Throws CheckpointError when the file is unreadable or belongs to
  // other settings; the trainer may then be half loaded: build a new one.
  std::int64_t resume_from(const std::filesystem::path& path);
  std::int64_t steps_done() const { return steps_done_; }

  // The pieces of a step, public for tests. With step_optimizer false an
  // update only measures: it draws its batches and computes the loss and
  // its network's gradient, but takes no optimizer step (a frozen network).
  UpdateStats discriminator_update(bool step_optimizer = true);
  UpdateStats generator_update(bool step_optimizer = true);
  void evaluate(std::int64_t steps_done, RunRecorder& recorder);

  // The real batch and the noise batch the next update will draw, taken
  // from copies of the streams' positions, so training goes on as if they
  // had not been looked at. For tests.
  torch::Tensor peek_real_batch();
  torch::Tensor peek_noise();

  // Writes the generator's weights (LibTorch archive) atomically: to a
  // temporary file first, then renamed.
  void save_generator(const std::filesystem::path& path) const;

  Network& generator() { return *models_generator_; }
  Network& discriminator() { return *models_discriminator_; }
  const Experiment& experiment() const { return experiment_; }
  const torch::optim::Adam& generator_optimizer() const { return *optimizer_g_; }
  const torch::optim::Adam& discriminator_optimizer() const { return *optimizer_d_; }
  // The phase whose start has been applied: that of the last step done.
  std::size_t phase() const { return phase_; }

 private:
  torch::Tensor noise(std::int64_t count);
  std::unique_ptr<torch::optim::Adam> make_optimizer(Network& network, double lr) const;
  // The phase step `step` belongs to.
  std::size_t phase_at(std::int64_t step) const;
  // Applies the starts of the phases after phase_ up to `phase`.
  void enter_phase(std::size_t phase);
  // Replaces D's weights and batch-norm statistics in place (its
  // parameters keep their slices of the gradient buffer) and its Adam.
  void start_fresh_discriminator(std::size_t phase);
  // Each network's gradients are those of its last update: the generator
  // runs without a graph during D updates, and D's parameters are frozen
  // during G updates.
  GradientNorms gradient_norms() const;
  store::StepRow make_row(std::int64_t step, const UpdateStats& d, const UpdateStats& g,
                          const GradientNorms& norms, double wall_ms) const;
  std::vector<store::LayerGradRow> layer_grad_rows(std::int64_t step) const;

  Experiment experiment_;
  TrainOptions options_;
  std::unique_ptr<data::RealDataSource> real_data_;
  std::optional<data::ToyMixture> mixture_;  // toy data only
  NetworkPtr models_generator_;
  NetworkPtr models_discriminator_;
  std::unique_ptr<torch::optim::Adam> optimizer_g_;
  std::unique_ptr<torch::optim::Adam> optimizer_d_;
  at::Generator noise_stream_;
  at::Generator penalty_stream_;
  torch::Tensor eval_noise_;  // fixed for the whole run, (N, z_dim)
  // Every parameter's gradient is a slice of gradients_: G's parameters
  // first, then D's. Zeroing a network's slice replaces zero_grad().
  torch::Tensor gradients_;
  torch::Tensor generator_gradients_;
  torch::Tensor discriminator_gradients_;
  std::vector<TrainingPhase> phases_;
  std::vector<std::int64_t> phase_starts_;  // first step of each phase
  // Checkpoints store it, so that a run resumed after a phase's start does
  // not apply the start (a fresh D) a second time.
  std::size_t phase_ = 0;
  std::int64_t steps_done_ = 0;
  double seconds_before_ = 0;  // training time of earlier attempts (resumed runs)
  bool resumed_ = false;
};

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The step a checkpoint file was written at, read without building a
// trainer. Throws CheckpointError when the file is not a readable checkpoint.
std::int64_t read_checkpoint_step(const std::filesystem::path& path);

// The Fashion-MNIST training set in `dir`, read once per process and then
// served from memory. Throws data::DataError naming a missing or bad file.
data::ImageSet preload_training_images(const std::string& dir);

}  // namespace gansweep
