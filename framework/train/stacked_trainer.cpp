#include "train/stacked_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>

#include <malloc.h>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "models/model_factory.h"
#include "runner/run_groups.h"
#include "train/evaluation.h"
#include "train/generator_derivatives.h"
#include "train/losses.h"
#include "util/durable_file.h"
#include "util/seed_tree.h"

namespace gansweep {
namespace {

using Clock = std::chrono::steady_clock;

at::Generator stream(std::uint64_t seed, std::string_view name) {
  return at::detail::createCPUGenerator(derive_seed(seed, name));
}

StackedMlpShape generator_shape(const Experiment& e) {
  StackedMlpShape shape;
  shape.hidden = StackedActivation::kRelu;
  if (!is_toy_data(e.data_kind)) {
    shape.output = StackedActivation::kTanh;
    shape.output_shape = {1, 28, 28};
  }
  return shape;
}

StackedMlpShape discriminator_shape(const Experiment& e) {
  StackedMlpShape shape;
  shape.hidden =
      is_toy_data(e.data_kind) ? StackedActivation::kRelu : StackedActivation::kLeakyRelu;
  shape.twice_differentiable = e.loss == LossKind::kWassersteinGp;
  return shape;
}

std::vector<std::int64_t> with_leading(std::int64_t runs, std::int64_t batch,
                                       const std::vector<std::int64_t>& sample) {
  std::vector<std::int64_t> sizes = {runs, batch};
  sizes.insert(sizes.end(), sample.begin(), sample.end());
  return sizes;
}

// LibTorch warns once that the parameters' gradients do not follow its
// "layout contract": each stacked parameter is a strided view into the
// shared (R, T) buffers, on purpose (see stacked_mlp.h). The contract
// matters for distributed gradient buckets, not here; the warning would
// only puzzle users reading a run's log. Every other warning passes on.
class LayoutWarningFilter : public c10::WarningHandler {
 public:
  explicit LayoutWarningFilter(c10::WarningHandler* next) : next_(next) {}
  void process(const c10::SourceLocation& location, const std::string& message,
               const bool verbatim) override {
    if (message.find("gradient layout contract") != std::string::npos) return;
    next_->process(location, message, verbatim);
  }

 private:
  c10::WarningHandler* next_;
};

// A stacked group's activations are R times a run's: half a megabyte and
// more, above glibc's threshold for serving an allocation with its own
// mmap. Every operation would then map fresh pages, fault them in, zero
// them and unmap them again, which cost a third of the step at hidden
// width 128 (perf). Raising the thresholds keeps freed blocks in the heap
// for the next step. Process-wide, and harmless for everything else a run
// process does.
void keep_large_blocks_in_the_heap() {
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    return true;
  }();
  (void)done;
}

}  // namespace

StackedTrainer::StackedTrainer(std::vector<Experiment> runs, TrainOptions options)
    : runs_(std::move(runs)), options_(std::move(options)) {
  if (runs_.empty()) throw std::invalid_argument("StackedTrainer: no runs");
  keep_large_blocks_in_the_heap();
  const auto signature = stacking_signature(runs_.front());
  for (const auto& e : runs_) {
    if (!signature || stacking_signature(e) != signature) {
      throw std::invalid_argument(
          "StackedTrainer: these runs cannot be stacked together (MLP runs that share data, "
          "shape, batch, length and recording are needed)");
    }
  }
  const Experiment& first = runs_.front();
  const auto count = static_cast<std::int64_t>(runs_.size());
  mixture_ = data::toy_mixture_of(first.data_kind);

  std::vector<NetworkPtr> generators;
  std::vector<NetworkPtr> discriminators;
  std::vector<AdamSettings> adam_g;
  std::vector<AdamSettings> adam_d;
  std::vector<float> lambdas;
  std::vector<torch::Tensor> eval_noise;
  const std::int64_t eval_count =
      evaluation_sample_count(first, mixture_.has_value() || options_.image_quality != nullptr);
  for (const auto& e : runs_) {
    // Exactly what a separate Trainer builds and draws, stream by stream.
    const std::uint64_t data_seed = derive_seed(e.seed, streams::kDataOrder);
    if (mixture_) {
      real_data_.push_back(data::make_toy_source(*mixture_, data_seed));
    } else {
      real_data_.push_back(data::make_image_source(preload_training_images(e.data_path), data_seed,
                                                   options_.device));
    }
    noise_streams_.push_back(stream(e.seed, streams::kNoise));
    penalty_streams_.push_back(stream(e.seed, streams::kPenalty));
    GanPair pair = build_models(e, torch::kCPU);
    generators.push_back(pair.generator);
    discriminators.push_back(pair.discriminator);
    adam_g.push_back({e.lr_g, e.beta1, e.beta2});
    adam_d.push_back({e.lr_d, e.beta1, e.beta2});
    lambdas.push_back(static_cast<float>(e.gp_lambda));
    at::Generator eval_stream = stream(e.seed, streams::kEvalNoise);
    eval_noise.push_back(torch::randn({eval_count, e.z_dim}, eval_stream));
  }
  generator_ = std::make_unique<StackedMlp>(generators, generator_shape(first), options_.device);
  discriminator_ =
      std::make_unique<StackedMlp>(discriminators, discriminator_shape(first), options_.device);
  optimizer_g_ =
      std::make_unique<StackedAdam>(generator_->parameters(), generator_->gradients(), adam_g);
  optimizer_d_ = std::make_unique<StackedAdam>(discriminator_->parameters(),
                                               discriminator_->gradients(), adam_d);
  penalty_ = first.loss == LossKind::kWassersteinGp;
  penalty_weight_ = torch::tensor(lambdas, torch::kFloat).to(options_.device);
  eval_noise_ = torch::stack(eval_noise).to(options_.device);

  const auto sample_shape = real_data_.front()->sample_shape();
  real_ = torch::zeros(with_leading(count, first.batch, sample_shape),
                       torch::TensorOptions(torch::kFloat).device(options_.device));
  noise_ = torch::zeros({count, first.batch, first.z_dim},
                        torch::TensorOptions(torch::kFloat).device(options_.device));
  mix_ = torch::zeros({count, first.batch},
                      torch::TensorOptions(torch::kFloat).device(options_.device));
  // Which runs have which loss, made once rather than at every update.
  std::map<LossKind, std::vector<bool>> by_loss;
  for (std::int64_t r = 0; r < count; ++r) {
    by_loss.try_emplace(runs_[r].loss, runs_.size(), false).first->second[r] = true;
  }
  for (const auto& [kind, members] : by_loss) {
    torch::Tensor mask = torch::zeros({count}, torch::kBool);
    for (std::int64_t r = 0; r < count; ++r) mask[r] = static_cast<bool>(members[r]);
    loss_masks_.emplace_back(kind, mask.to(options_.device));
  }
  zero_ = torch::zeros({}, torch::TensorOptions(torch::kFloat).device(options_.device));
  for (std::int64_t r = 0; r < count; ++r) {
    real_rows_.push_back(real_[r]);
    noise_rows_.push_back(noise_[r]);
    mix_rows_.push_back(mix_[r]);
  }
  training_.assign(runs_.size(), true);
  results_.resize(runs_.size());
}

void StackedTrainer::exclude(std::int64_t run) {
  training_.at(run) = false;
  park(run);
}

// A run that no longer trains keeps computing in its slice (the stack has
// no holes); zero weights keep that slice finite and cheap, and the masked
// optimiser never moves them.
void StackedTrainer::park(std::int64_t run) {
  torch::NoGradGuard no_grad;
  generator_->parameters()[run].zero_();
  discriminator_->parameters()[run].zero_();
  generator_->gradients()[run].zero_();
  discriminator_->gradients()[run].zero_();
  optimizer_g_->reset_run(run);
  optimizer_d_->reset_run(run);
}

void StackedTrainer::draw_noise(const std::vector<bool>& active) {
  const Experiment& first = runs_.front();
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    if (!active[r]) continue;
    // Drawn on the CPU, as a separate run draws it: randn is normal_ on a
    // fresh contiguous tensor, so filling the contiguous row in place
    // gives the same numbers without the copy.
    if (noise_rows_[r].device().is_cpu()) {
      noise_rows_[r].normal_(0.0, 1.0, noise_streams_[r]);
    } else {
      noise_rows_[r].copy_(torch::randn({first.batch, first.z_dim}, noise_streams_[r]));
    }
  }
}

torch::Tensor StackedTrainer::loss_per_run(
    const std::function<torch::Tensor(LossKind)>& loss_of_kind) const {
  // Runs of one loss (the usual group) take one call; a mixed group one per
  // loss, each over all runs, keeping the runs of that loss.
  if (loss_masks_.size() == 1) return loss_of_kind(loss_masks_.front().first);
  torch::Tensor total;
  for (const auto& [kind, mask] : loss_masks_) {
    const torch::Tensor selected = torch::where(mask, loss_of_kind(kind), zero_);
    total = total.defined() ? total + selected : selected;
  }
  return total;
}

StackedTrainer::Update StackedTrainer::discriminator_update(const std::vector<bool>& active) {
  const Experiment& first = runs_.front();
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    if (active[r]) real_rows_[r].copy_(real_data_[r]->next_batch(first.batch, options_.device));
  }
  draw_noise(active);
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;
    fake = generator_->forward(noise_);
  }
  {
    torch::NoGradGuard no_grad;
    discriminator_->gradients().zero_();
  }
  Update update;
  update.real_logits = discriminator_->forward(real_);
  update.fake_logits = discriminator_->forward(fake);
  torch::Tensor loss = loss_per_run([&](LossKind kind) {
    return discriminator_loss_per_run(kind, update.real_logits, update.fake_logits);
  });
  if (penalty_) {
    for (std::size_t r = 0; r < runs_.size(); ++r) {
      if (active[r]) mix_rows_[r].copy_(torch::rand({first.batch}, penalty_streams_[r]));
    }
    const auto critic = [&](const torch::Tensor& x) { return discriminator_->forward(x); };
    loss = loss + penalty_weight_ * gradient_penalty_per_run(critic, real_, fake, mix_);
  }
  loss.sum().backward();
  update.gradient_sums = optimizer_d_->step(active);
  update.loss = loss.detach();
  return update;
}

StackedTrainer::Update StackedTrainer::generator_update(const std::vector<bool>& active) {
  draw_noise(active);
  discriminator_->set_requires_grad(false);
  {
    torch::NoGradGuard no_grad;
    generator_->gradients().zero_();
  }
  Update update;
  update.fake_logits = discriminator_->forward(generator_->forward(noise_));
  const torch::Tensor loss =
      loss_per_run([&](LossKind kind) { return generator_loss_per_run(kind, update.fake_logits); });
  loss.sum().backward();
  discriminator_->set_requires_grad(true);
  update.gradient_sums = optimizer_g_->step(active);
  update.loss = loss.detach();
  return update;
}

torch::Tensor StackedTrainer::gradient_norms() const {
  const auto norm = [](const torch::Tensor& g) {
    return torch::linalg_vector_norm(g, 2, {1}, false, torch::kDouble);
  };
  return torch::stack({norm(generator_->gradients()), norm(discriminator_->gradients())}, 1)
      .to(torch::kCPU)
      .contiguous();
}

void StackedTrainer::evaluate(std::int64_t steps_done, const std::vector<RunRecorder*>& recorders) {
  torch::Tensor samples;
  {
    torch::NoGradGuard no_grad;
    samples = generator_->forward(eval_noise_).to(torch::kCPU);
  }
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    if (!training_[r]) continue;
    record_evaluation(runs_[r], samples[r], mixture_ ? &*mixture_ : nullptr,
                      options_.image_quality.get(), steps_done, *recorders[r]);
  }
}

void StackedTrainer::record_layer_grads(std::int64_t step,
                                        const std::vector<RunRecorder*>& recorders) const {
  std::vector<std::pair<std::string, torch::Tensor>> norms;  // "G"/"D" name -> (R)
  std::vector<std::string> nets;
  const auto add = [&](const char* net, const StackedMlp& model) {
    for (const auto& [name, view] : model.named_parameters()) {
      std::vector<std::int64_t> dims;
      for (std::int64_t d = 1; d < view.dim(); ++d) dims.push_back(d);
      norms.emplace_back(name,
                         torch::linalg_vector_norm(view.grad(), 2, dims, false, torch::kDouble));
      nets.emplace_back(net);
    }
  };
  add("G", *generator_);
  add("D", *discriminator_);
  std::vector<torch::Tensor> columns;
  for (const auto& item : norms) columns.push_back(item.second);
  const torch::Tensor table = torch::stack(columns, 1).to(torch::kCPU).contiguous();  // (R, P)
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    if (!training_[r]) continue;
    std::vector<store::LayerGradRow> rows;
    for (std::size_t p = 0; p < norms.size(); ++p) {
      rows.push_back({step, nets[p], norms[p].first, table[r][p].item<double>()});
    }
    recorders[r]->record_layer_grads(rows);
  }
}

std::vector<TrainResult> StackedTrainer::train(
    const std::vector<RunRecorder*>& recorders,
    const std::function<void(std::int64_t, const TrainResult&)>& on_run_ended) {
  if (recorders.size() != runs_.size()) {
    throw std::invalid_argument("StackedTrainer::train: one recorder per run expected");
  }
  LayoutWarningFilter filter(c10::Warning::get_warning_handler());
  const c10::Warning::WarningHandlerGuard filtered(&filter);
  const Experiment& first = runs_.front();
  const auto count = static_cast<std::int64_t>(runs_.size());
  const auto started = Clock::now();
  auto last_checkpoint = started;
  const bool checkpoints = !options_.checkpoint_path.empty();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  const auto write_checkpoint = [&] {
    for (auto* recorder : recorders) recorder->flush();
    const double before = seconds_before_;
    seconds_before_ += elapsed();
    save_checkpoint(options_.checkpoint_path);
    seconds_before_ = before;
    last_checkpoint = Clock::now();
  };
  const auto any_training = [&] {
    return std::find(training_.begin(), training_.end(), true) != training_.end();
  };
  if (!resumed_) evaluate(0, recorders);

  for (std::int64_t step = steps_done_; step < first.steps && any_training(); ++step) {
    if (options_.stop_requested != nullptr && options_.stop_requested->load()) {
      for (std::int64_t r = 0; r < count; ++r) {
        if (training_[r]) results_[r].status = store::RunStatus::kInterrupted;
      }
      if (checkpoints) write_checkpoint();
      break;
    }
    const auto step_started = Clock::now();
    std::int64_t most_d_steps = 0;
    for (std::int64_t r = 0; r < count; ++r) {
      if (training_[r]) most_d_steps = std::max(most_d_steps, runs_[r].d_steps);
    }
    Update d;
    for (std::int64_t k = 0; k < most_d_steps; ++k) {
      // A run with fewer D steps takes the last ones, so that the gradients
      // left after the D phase are every run's own last update.
      std::vector<bool> active(runs_.size());
      for (std::int64_t r = 0; r < count; ++r) {
        active[r] = training_[r] && k >= most_d_steps - runs_[r].d_steps;
      }
      d = discriminator_update(active);
    }
    Update g;
    for (std::int64_t k = 0; k < first.g_steps; ++k) g = generator_update(training_);
    std::int64_t training_count = 0;
    for (std::int64_t r = 0; r < count; ++r) training_count += training_[r] ? 1 : 0;
    const double wall_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - step_started).count() /
        static_cast<double>(std::max<std::int64_t>(1, training_count));

    // As in Trainer::train: losses every step, a sum over the gradients as
    // the cheap test (taken by the optimisers in double, so finite exactly
    // when every gradient is), norms when recording or when it is not finite.
    const torch::Tensor checks = torch::cat({d.loss.view({-1}), g.loss.view({-1})})
                                     .to(torch::kCPU, torch::kDouble)
                                     .contiguous();
    const double* check = checks.data_ptr<double>();
    const double* d_sums = d.gradient_sums.data_ptr<double>();
    const double* g_sums = g.gradient_sums.data_ptr<double>();
    const bool record = step % first.log_every == 0;
    bool sums_finite = true;
    for (std::int64_t r = 0; r < count; ++r) {
      if (training_[r] && !std::isfinite(d_sums[r] + g_sums[r])) sums_finite = false;
    }
    torch::Tensor norms;
    if (record || !sums_finite) norms = gradient_norms();
    std::vector<bool> finite(runs_.size(), true);
    bool all_finite = true;
    for (std::int64_t r = 0; r < count; ++r) {
      if (!training_[r]) continue;
      finite[r] = std::isfinite(check[r]) && std::isfinite(check[count + r]) &&
                  (!norms.defined() || (std::isfinite(norms[r][0].item<double>()) &&
                                        std::isfinite(norms[r][1].item<double>())));
      all_finite = all_finite && finite[r];
    }
    if (record || !all_finite) {
      if (!norms.defined()) norms = gradient_norms();
      const auto mean_over_batch = [](const torch::Tensor& t) { return t.flatten(1).mean(1); };
      const torch::Tensor stats =
          torch::stack({mean_over_batch(torch::sigmoid(d.real_logits)),
                        mean_over_batch(torch::sigmoid(d.fake_logits)),
                        mean_over_batch(d.real_logits), mean_over_batch(d.fake_logits)},
                       1)
              .detach()
              .to(torch::kCPU, torch::kDouble)
              .contiguous();
      const torch::Tensor fake_logits =
          g.fake_logits.detach().flatten(1).to(torch::kCPU, torch::kDouble).contiguous();
      for (std::int64_t r = 0; r < count; ++r) {
        if (!training_[r] || (!record && finite[r])) continue;
        store::StepRow row;
        row.step = step;
        row.d_loss = check[r];
        row.g_loss = check[count + r];
        row.g_grad_norm = norms[r][0].item<double>();
        row.d_grad_norm = norms[r][1].item<double>();
        row.d_real = stats[r][0].item<double>();
        row.d_fake = stats[r][1].item<double>();
        row.d_real_logit = stats[r][2].item<double>();
        row.d_fake_logit = stats[r][3].item<double>();
        const double* logits = fake_logits[r].data_ptr<double>();
        const GeneratorSensitivity s = generator_sensitivity(
            runs_[r].loss, std::vector<double>(logits, logits + fake_logits.size(1)));
        row.dg_dp = s.mean_abs_dj_dp;
        row.dg_dlogit = s.mean_abs_dj_dlogit;
        row.wall_ms = wall_ms;
        recorders[r]->record_step(row);
      }
    }
    if (first.layer_every > 0 && step % first.layer_every == 0) {
      record_layer_grads(step, recorders);
    }
    steps_done_ = step + 1;
    for (std::int64_t r = 0; r < count; ++r) {
      if (!training_[r]) continue;
      results_[r].steps_done = steps_done_;
      if (finite[r]) continue;
      training_[r] = false;
      results_[r].status = store::RunStatus::kDiverged;
      results_[r].first_nonfinite_step = step;
      results_[r].seconds = seconds_before_ + elapsed();
      park(r);
      if (on_run_ended) on_run_ended(r, results_[r]);
    }
    if (steps_done_ % first.eval_every == 0 || steps_done_ == first.steps) {
      evaluate(steps_done_, recorders);
    }
    if (options_.on_step) options_.on_step(steps_done_);
    if (checkpoints && steps_done_ < first.steps &&
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >=
            options_.checkpoint_seconds) {
      write_checkpoint();
    }
  }
  for (std::int64_t r = 0; r < count; ++r) {
    if (training_[r]) results_[r].seconds = seconds_before_ + elapsed();
  }
  return results_;
}

void StackedTrainer::save_generator(std::int64_t run, const std::filesystem::path& path) const {
  GanPair pair = build_models(runs_[run], torch::kCPU);
  generator_->copy_run_into(run, *pair.generator);
  std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temporary = path.string() + ".partial";
  torch::serialize::OutputArchive archive;
  pair.generator->save(archive);
  archive.save_to(temporary.string());
  commit_file(temporary, path);
}

namespace {

torch::Tensor flat_parameters(const torch::nn::Module& module) {
  std::vector<torch::Tensor> flat;
  for (const auto& p : module.parameters()) flat.push_back(p.detach().flatten());
  return torch::cat(flat);
}

}  // namespace

torch::Tensor StackedTrainer::generator_parameters(std::int64_t run) const {
  GanPair pair = build_models(runs_[run], torch::kCPU);
  generator_->copy_run_into(run, *pair.generator);
  return flat_parameters(*pair.generator);
}

torch::Tensor StackedTrainer::discriminator_parameters(std::int64_t run) const {
  GanPair pair = build_models(runs_[run], torch::kCPU);
  discriminator_->copy_run_into(run, *pair.discriminator);
  return flat_parameters(*pair.discriminator);
}

}  // namespace gansweep
