#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>

#include "models/model_factory.h"
#include "train/evaluation.h"
#include "train/generator_derivatives.h"
#include "train/losses.h"
#include "util/durable_file.h"
#include "util/seed_tree.h"

namespace gansweep {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// Decompressing Fashion-MNIST takes a fraction of a second; a sweep of many
// runs in one process reads it once.
data::ImageSet preload_training_images(const std::string& dir) {
  static std::mutex mutex;
  static std::map<std::string, data::ImageSet> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(dir);
  if (it == cache.end()) {
    it = cache.emplace(dir, data::load_fashion_mnist(dir, data::Split::kTrain)).first;
  }
  return it->second;
}

namespace {

at::Generator stream(std::uint64_t seed, std::string_view name) {
  return at::detail::createCPUGenerator(derive_seed(seed, name));
}

void set_requires_grad(torch::nn::Module& module, bool requires_grad) {
  for (auto& p : module.parameters()) p.set_requires_grad(requires_grad);
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto cpu = t.detach().to(torch::kCPU, torch::kDouble).contiguous().flatten();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

bool is_finite(double x) { return std::isfinite(x); }

std::vector<torch::Tensor> copy_buffers(torch::nn::Module& module) {
  std::vector<torch::Tensor> copies;
  for (const auto& b : module.buffers()) copies.push_back(b.clone());
  return copies;
}

void restore_buffers(torch::nn::Module& module, const std::vector<torch::Tensor>& copies) {
  torch::NoGradGuard no_grad;
  std::size_t i = 0;
  for (auto b : module.buffers()) b.copy_(copies.at(i++));
}

}  // namespace

// Points every parameter's gradient at a slice of one zeroed buffer, in
// parameter order. Backward passes without create_graph add into defined
// gradients in place, so the gradients stay in the buffer, and one
// reduction over it sees every gradient of both networks.
torch::Tensor share_gradient_buffer(const std::vector<torch::Tensor>& parameters) {
  std::int64_t total = 0;
  for (const auto& p : parameters) {
    TORCH_CHECK(
        p.scalar_type() == parameters[0].scalar_type() && p.device() == parameters[0].device(),
        "share_gradient_buffer: parameters of one dtype and device expected");
    total += p.numel();
  }
  torch::NoGradGuard no_grad;
  torch::Tensor buffer = torch::zeros({total}, parameters[0].options());
  std::int64_t offset = 0;
  for (auto p : parameters) {
    p.mutable_grad() = buffer.narrow(0, offset, p.numel()).view(p.sizes());
    offset += p.numel();
  }
  return buffer;
}

Trainer::Trainer(const Experiment& experiment, TrainOptions options)
    : experiment_(experiment),
      options_(std::move(options)),
      noise_stream_(stream(experiment.seed, streams::kNoise)),
      penalty_stream_(stream(experiment.seed, streams::kPenalty)) {
  const auto& e = experiment_;
  const std::uint64_t data_seed = derive_seed(e.seed, streams::kDataOrder);
  mixture_ = data::toy_mixture_of(e.data_kind);
  if (mixture_) {
    real_data_ = data::make_toy_source(*mixture_, data_seed);
  } else {
    real_data_ =
        data::make_image_source(preload_training_images(e.data_path), data_seed, options_.device);
  }

  GanPair models = build_models(e, options_.device);
  models_generator_ = models.generator;
  models_discriminator_ = models.discriminator;
  optimizer_g_ = make_optimizer(*models_generator_, e.lr_g);
  optimizer_d_ = make_optimizer(*models_discriminator_, e.lr_d);

  phases_ = training_phases(e);
  std::int64_t start = 0;
  for (const auto& phase : phases_) {
    phase_starts_.push_back(start);
    start += phase.steps;
  }
  TORCH_CHECK(start == e.steps, "the phases' steps must add up to the run's");

  // One fixed noise batch for every evaluation of this run, so the samples
  // at successive evaluations show the same latent points moving. Images
  // are scored only with an image_quality; otherwise only samples are kept.
  const std::int64_t eval_count =
      evaluation_sample_count(e, mixture_.has_value() || options_.image_quality != nullptr);
  at::Generator eval_stream = stream(e.seed, streams::kEvalNoise);
  eval_noise_ = torch::randn({eval_count, e.z_dim}, eval_stream).to(options_.device);

  std::vector<torch::Tensor> parameters = models_generator_->parameters();
  std::int64_t generator_size = 0;
  for (const auto& p : parameters) generator_size += p.numel();
  for (const auto& p : models_discriminator_->parameters()) parameters.push_back(p);
  gradients_ = share_gradient_buffer(parameters);
  generator_gradients_ = gradients_.narrow(0, 0, generator_size);
  discriminator_gradients_ =
      gradients_.narrow(0, generator_size, gradients_.numel() - generator_size);
}

torch::Tensor Trainer::noise(std::int64_t count) {
  // Drawn on the CPU so that CPU and GPU runs see the same noise.
  return torch::randn({count, experiment_.z_dim}, noise_stream_).to(options_.device);
}

torch::Tensor Trainer::peek_real_batch() {
  const torch::Tensor position = real_data_->save_state();
  torch::Tensor batch = real_data_->next_batch(experiment_.batch, options_.device);
  real_data_->load_state(position);
  return batch;
}

torch::Tensor Trainer::peek_noise() {
  const torch::Tensor position = noise_stream_.get_state();
  torch::Tensor batch = noise(experiment_.batch);
  noise_stream_.set_state(position);
  return batch;
}

std::unique_ptr<torch::optim::Adam> Trainer::make_optimizer(Network& network, double lr) const {
  return std::make_unique<torch::optim::Adam>(
      network.parameters(),
      torch::optim::AdamOptions(lr).betas(std::make_tuple(experiment_.beta1, experiment_.beta2)));
}

std::size_t Trainer::phase_at(std::int64_t step) const {
  const auto after = std::upper_bound(phase_starts_.begin(), phase_starts_.end(), step);
  return static_cast<std::size_t>(after - phase_starts_.begin()) - 1;
}

void Trainer::enter_phase(std::size_t phase) {
  // Phases last at least one step, so this is one phase at a time; the loop
  // only guards against skipping a start.
  while (phase_ < phase) {
    ++phase_;
    if (phases_[phase_].fresh_discriminator) start_fresh_discriminator(phase_);
  }
}

void Trainer::start_fresh_discriminator(std::size_t phase) {
  const NetworkPtr fresh = build_fresh_discriminator(experiment_, phase, options_.device);
  {
    torch::NoGradGuard no_grad;
    const auto copy_into = [](const auto& targets, const auto& sources) {
      TORCH_CHECK(targets.size() == sources.size(), "fresh discriminator of another shape");
      for (std::size_t i = 0; i < targets.size(); ++i) {
        TORCH_CHECK(targets[i].key() == sources[i].key(), "fresh discriminator of another shape");
        targets[i].value().copy_(sources[i].value());
      }
    };
    copy_into(models_discriminator_->named_parameters(), fresh->named_parameters());
    copy_into(models_discriminator_->named_buffers(), fresh->named_buffers());
  }
  // New moments and step counts: the old D's would steer the new one.
  optimizer_d_ = make_optimizer(*models_discriminator_, experiment_.lr_d);
}

UpdateStats Trainer::discriminator_update(bool step_optimizer) {
  const auto& e = experiment_;
  auto& generator = *models_generator_;
  auto& discriminator = *models_discriminator_;

  const torch::Tensor real = real_data_->next_batch(e.batch, options_.device);
  torch::Tensor fake;
  {
    // The generator is not being trained here: no graph through it.
    torch::NoGradGuard no_grad;
    fake = generator.forward(noise(e.batch));
  }

  discriminator_gradients_.zero_();
  UpdateStats stats;
  stats.real_logits = discriminator.forward(real);
  stats.fake_logits = discriminator.forward(fake);
  torch::Tensor loss = discriminator_loss(e.loss, stats.real_logits, stats.fake_logits);
  if (e.loss == LossKind::kWassersteinGp) {
    const torch::Tensor mix = torch::rand({e.batch}, penalty_stream_).to(options_.device);
    const auto critic = [&](const torch::Tensor& x) { return discriminator.forward(x); };
    loss = loss + e.gp_lambda * gradient_penalty(critic, real, fake, mix);
  }
  loss.backward();
  if (step_optimizer) optimizer_d_->step();
  stats.loss = loss.detach();
  return stats;
}

UpdateStats Trainer::generator_update(bool step_optimizer) {
  const auto& e = experiment_;
  auto& generator = *models_generator_;
  auto& discriminator = *models_discriminator_;

  // D's parameters need no gradient for a G update; turning them off saves
  // the work and leaves D's last gradients (recorded per layer) untouched.
  set_requires_grad(discriminator, false);
  generator_gradients_.zero_();
  UpdateStats stats;
  stats.fake_logits = discriminator.forward(generator.forward(noise(e.batch)));
  torch::Tensor loss = generator_loss(e.loss, stats.fake_logits);
  loss.backward();
  set_requires_grad(discriminator, true);
  if (step_optimizer) optimizer_g_->step();
  stats.loss = loss.detach();
  return stats;
}

// Each network's gradients are one slice of the shared buffer, so its norm
// is one reduction, and both come to the host in one copy: a recorded step
// costs two operations here instead of one per parameter and a
// synchronisation each.
GradientNorms Trainer::gradient_norms() const {
  const auto norm = [](const torch::Tensor& g) {
    return torch::linalg_vector_norm(g, 2, c10::nullopt, false, torch::kDouble);
  };
  const torch::Tensor both =
      torch::stack({norm(generator_gradients_), norm(discriminator_gradients_)}).to(torch::kCPU);
  const double* values = both.data_ptr<double>();
  return {values[0], values[1]};
}

store::StepRow Trainer::make_row(std::int64_t step, const UpdateStats& d, const UpdateStats& g,
                                 const GradientNorms& norms, double wall_ms) const {
  store::StepRow row;
  row.step = step;
  // The float values of the row in one tensor, copied to the host once.
  const torch::Tensor values =
      torch::stack({d.loss.detach(), g.loss.detach(), torch::sigmoid(d.real_logits).detach().mean(),
                    torch::sigmoid(d.fake_logits).detach().mean(), d.real_logits.detach().mean(),
                    d.fake_logits.detach().mean()})
          .to(torch::kCPU, torch::kDouble);
  const double* v = values.data_ptr<double>();
  row.d_loss = v[0];
  row.g_loss = v[1];
  row.d_grad_norm = norms.discriminator;
  row.g_grad_norm = norms.generator;
  row.d_real = v[2];
  row.d_fake = v[3];
  row.d_real_logit = v[4];
  row.d_fake_logit = v[5];
  const GeneratorSensitivity s = generator_sensitivity(experiment_.loss, to_doubles(g.fake_logits));
  row.dg_dp = s.mean_abs_dj_dp;
  row.dg_dlogit = s.mean_abs_dj_dlogit;
  row.wall_ms = wall_ms;
  return row;
}

std::vector<store::LayerGradRow> Trainer::layer_grad_rows(std::int64_t step) const {
  std::vector<store::LayerGradRow> rows;
  const auto add = [&](const char* net, const torch::nn::Module& module) {
    for (const auto& item : module.named_parameters()) {
      const torch::Tensor& grad = item.value().grad();
      if (!grad.defined()) continue;
      rows.push_back(
          {step, net, item.key(),
           torch::linalg_vector_norm(grad, 2, c10::nullopt, false, torch::kDouble).item<double>()});
    }
  };
  add("G", *models_generator_);
  add("D", *models_discriminator_);
  return rows;
}

void Trainer::evaluate(std::int64_t steps_done, RunRecorder& recorder) {
  auto& generator = *models_generator_;
  torch::NoGradGuard no_grad;
  // Evaluation mode: batch norm uses its running statistics and does not
  // update them, so evaluating never changes training.
  generator.eval();
  const torch::Tensor samples = generator.forward(eval_noise_).to(torch::kCPU);
  generator.train();
  record_evaluation(experiment_, samples, mixture_ ? &*mixture_ : nullptr,
                    options_.image_quality.get(), steps_done, recorder);
}

TrainResult Trainer::train(RunRecorder& recorder) {
  const auto& e = experiment_;
  TrainResult result;
  const auto started = Clock::now();
  auto last_checkpoint = started;
  const bool checkpoints = !options_.checkpoint_path.empty();
  const auto write_checkpoint = [&] {
    recorder.flush();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const double before = seconds_before_;
    seconds_before_ += seconds;  // what the checkpoint stores
    save_checkpoint(options_.checkpoint_path);
    seconds_before_ = before;
    last_checkpoint = Clock::now();
  };
  models_generator_->train();
  models_discriminator_->train();
  // A resumed run recorded the evaluation at its checkpoint's step already.
  if (!resumed_) evaluate(0, recorder);

  for (std::int64_t step = steps_done_; step < e.steps; ++step) {
    if (options_.stop_requested != nullptr && options_.stop_requested->load()) {
      result.status = store::RunStatus::kInterrupted;
      if (checkpoints) write_checkpoint();
      break;
    }
    enter_phase(phase_at(step));
    const TrainingPhase& phase = phases_[phase_];
    const auto step_started = Clock::now();

    // A frozen network's forward passes in training mode would still move
    // its batch-norm statistics; it keeps them as they were.
    std::vector<torch::Tensor> frozen_g_buffers;
    std::vector<torch::Tensor> frozen_d_buffers;
    if (phase.g_steps == 0) frozen_g_buffers = copy_buffers(*models_generator_);
    if (phase.d_steps == 0) frozen_d_buffers = copy_buffers(*models_discriminator_);

    // A frozen network gets one measuring update instead of none, so its
    // loss and gradient are recorded as in any other step.
    UpdateStats d;
    if (phase.d_steps == 0) d = discriminator_update(/*step_optimizer=*/false);
    for (std::int64_t k = 0; k < phase.d_steps; ++k) d = discriminator_update();
    UpdateStats g;
    if (phase.g_steps == 0) g = generator_update(/*step_optimizer=*/false);
    for (std::int64_t k = 0; k < phase.g_steps; ++k) g = generator_update();

    if (phase.g_steps == 0) restore_buffers(*models_generator_, frozen_g_buffers);
    if (phase.d_steps == 0) restore_buffers(*models_discriminator_, frozen_d_buffers);
    const double wall_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - step_started).count();

    // The run has diverged when a loss or a gradient norm is not finite.
    // A float gradient's norm, taken in double, cannot overflow, so it is
    // finite exactly when every element is; unrecorded steps therefore test
    // one float sum over all gradients, and compute the norms only when that
    // sum is not finite (a sum of large finite values can overflow).
    const bool record = step % e.log_every == 0;
    const bool losses_finite = is_finite(d.loss.item<double>()) && is_finite(g.loss.item<double>());
    std::optional<GradientNorms> norms;
    if (record || !is_finite(gradients_.sum().item<double>())) norms = gradient_norms();
    const bool finite =
        losses_finite &&
        (!norms || (is_finite(norms->discriminator) && is_finite(norms->generator)));
    if (!finite || record) {
      if (!norms) norms = gradient_norms();
      recorder.record_step(make_row(step, d, g, *norms, wall_ms));
    }
    if (e.layer_every > 0 && step % e.layer_every == 0) {
      recorder.record_layer_grads(layer_grad_rows(step));
    }
    steps_done_ = step + 1;
    if (!finite) {
      // Weights are now non-finite too; further steps would only add NaNs.
      result.status = store::RunStatus::kDiverged;
      result.first_nonfinite_step = step;
      break;
    }
    if (steps_done_ % e.eval_every == 0 || steps_done_ == e.steps) {
      evaluate(steps_done_, recorder);
    }
    if (options_.on_step) options_.on_step(steps_done_);
    if (checkpoints && steps_done_ < e.steps &&
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >=
            options_.checkpoint_seconds) {
      write_checkpoint();
    }
  }
  result.steps_done = steps_done_;
  result.seconds = seconds_before_ + std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

void Trainer::save_generator(const std::filesystem::path& path) const {
  std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temporary = path.string() + ".partial";
  torch::serialize::OutputArchive archive;
  models_generator_->save(archive);
  archive.save_to(temporary.string());
  commit_file(temporary, path);
}

}  // namespace gansweep
