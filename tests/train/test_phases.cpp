// Training phases in the trainer: a frozen network keeps every bit of its
// state while its gradient is still measured and recorded; a fresh
// discriminator is a new initialisation with a new Adam; and a run stopped
// at or after a phase boundary resumes to the rows of a run never stopped.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/model_factory.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace gansweep {
namespace {

using testing::expect_same_rows;
using testing::same;
using testing::snapshot;
using testing::snapshot_buffers;
using testing::tiny;
using testing::tiny_images;
using testing::uninterrupted_and_resumed;

// An optimizer's per-parameter Adam state, copied: step count and both
// moments, by the parameter it belongs to.
struct AdamSnapshot {
  std::map<std::string, std::int64_t> steps;
  std::map<std::string, std::vector<torch::Tensor>> moments;
};

AdamSnapshot snapshot_adam(const torch::optim::Adam& optimizer) {
  AdamSnapshot copy;
  for (const auto& [key, state] : optimizer.state()) {
    const auto& adam = static_cast<const torch::optim::AdamParamState&>(*state);
    copy.steps[key] = adam.step();
    copy.moments[key] = {adam.exp_avg().clone(), adam.exp_avg_sq().clone()};
  }
  return copy;
}

bool same_adam(const AdamSnapshot& a, const AdamSnapshot& b) {
  if (a.steps != b.steps || a.moments.size() != b.moments.size()) return false;
  for (const auto& [key, moments] : a.moments) {
    const auto it = b.moments.find(key);
    if (it == b.moments.end() || !same(moments, it->second)) return false;
  }
  return true;
}

// The step counts of an optimizer's parameters, all of them.
std::vector<std::int64_t> adam_steps(const torch::optim::Adam& optimizer) {
  std::vector<std::int64_t> steps;
  for (const auto& [key, state] : optimizer.state()) {
    steps.push_back(static_cast<const torch::optim::AdamParamState&>(*state).step());
  }
  return steps;
}

// Everything a network and its optimizer hold, taken when `at` steps are
// done (through on_step, the only moment between steps).
struct StateAt {
  std::vector<torch::Tensor> parameters;
  std::vector<torch::Tensor> buffers;
  AdamSnapshot adam;
};

TEST(Phases, FrozenGeneratorKeepsItsStateAndItsGradientIsRecordedEveryStep) {
  // Minimax, as in Arjovsky & Bottou: D trains on while G is frozen.
  const Experiment e = tiny(", loss: minimax, phases: [{steps: 6}, {steps: 14, g_steps: 0}]");
  ASSERT_EQ(e.steps, 20);
  TrainOptions options;
  Trainer* trainer_ptr = nullptr;
  StateAt g_at_freeze;
  std::vector<torch::Tensor> d_at_freeze;
  options.on_step = [&](std::int64_t steps) {
    if (steps != 6) return;
    g_at_freeze = {
        snapshot(trainer_ptr->generator()), {}, snapshot_adam(trainer_ptr->generator_optimizer())};
    d_at_freeze = snapshot(trainer_ptr->discriminator());
  };
  Trainer trainer(e, options);
  trainer_ptr = &trainer;
  MemoryRecorder recorder;
  ASSERT_EQ(trainer.train(recorder).status, store::RunStatus::kDone);

  // Every parameter bit-identical, and Adam's moments and step counts too.
  ASSERT_FALSE(g_at_freeze.parameters.empty());
  EXPECT_TRUE(same(g_at_freeze.parameters, snapshot(trainer.generator())));
  EXPECT_TRUE(same_adam(g_at_freeze.adam, snapshot_adam(trainer.generator_optimizer())));
  for (std::int64_t steps : adam_steps(trainer.generator_optimizer())) EXPECT_EQ(steps, 6);
  // ... while D went on training.
  EXPECT_FALSE(same(d_at_freeze, snapshot(trainer.discriminator())));

  // A row every step, with the frozen generator's loss and gradient.
  ASSERT_EQ(recorder.steps.size(), 20u);
  std::vector<double> frozen_norms;
  for (const auto& row : recorder.steps) {
    EXPECT_TRUE(std::isfinite(row.g_loss)) << row.step;
    EXPECT_TRUE(std::isfinite(row.g_grad_norm)) << row.step;
    EXPECT_GT(row.g_grad_norm, 0.0) << row.step;
    EXPECT_TRUE(std::isfinite(row.dg_dlogit)) << row.step;
    EXPECT_GT(row.dg_dlogit, 0.0) << row.step;
    if (row.step >= 6) frozen_norms.push_back(row.g_grad_norm);
  }
  // Measured anew each step (fresh noise, a D that moves), not repeated.
  EXPECT_NE(frozen_norms.front(), frozen_norms.back());
  // Per-layer norms at step 10 include the frozen generator's, all non-zero.
  int generator_layers = 0;
  for (const auto& row : recorder.layer_grads) {
    if (row.step != 10 || row.net != "G") continue;
    ++generator_layers;
    EXPECT_GT(row.grad_norm, 0.0) << row.layer;
  }
  EXPECT_EQ(generator_layers, 6);
}

TEST(Phases, FrozenNetworksKeepTheirBatchNormStatistics) {
  // Forward passes in training mode move batch-norm statistics; a frozen
  // network keeps them (its evaluation samples stay the same).
  for (const std::string frozen : {"g_steps", "d_steps"}) {
    const Experiment e = tiny_images(", phases: [{steps: 2}, {steps: 3, " + frozen + ": 0}]");
    Trainer* trainer_ptr = nullptr;
    StateAt at_freeze;
    TrainOptions options;
    const auto network = [&]() -> Network& {
      return frozen == "g_steps" ? trainer_ptr->generator() : trainer_ptr->discriminator();
    };
    options.on_step = [&](std::int64_t steps) {
      if (steps == 2) at_freeze = {snapshot(network()), snapshot_buffers(network()), {}};
    };
    Trainer trainer(e, options);
    trainer_ptr = &trainer;
    MemoryRecorder recorder;
    ASSERT_EQ(trainer.train(recorder).status, store::RunStatus::kDone) << frozen;
    ASSERT_FALSE(at_freeze.buffers.empty());
    EXPECT_TRUE(same(at_freeze.parameters, snapshot(network()))) << frozen;
    EXPECT_TRUE(same(at_freeze.buffers, snapshot_buffers(network()))) << frozen;
    ASSERT_EQ(recorder.steps.size(), 5u);
    for (const auto& row : recorder.steps) {
      const double norm = frozen == "g_steps" ? row.g_grad_norm : row.d_grad_norm;
      EXPECT_TRUE(std::isfinite(norm) && norm > 0.0) << frozen << " step " << row.step;
    }
    // The samples at steps 4 and 5 (both in the frozen phase) agree when G
    // is frozen.
    if (frozen == "g_steps") {
      ASSERT_GE(recorder.samples.size(), 3u);
      EXPECT_EQ(recorder.samples[recorder.samples.size() - 2].values,
                recorder.samples.back().values);
    }
  }
}

TEST(Phases, FreshDiscriminatorIsANewInitialisationFromItsOwnStream) {
  // D is frozen after the fresh start, so what the run ends with is the
  // fresh initialisation itself.
  const Experiment e =
      tiny(", phases: [{steps: 6}, {steps: 4, d_steps: 0, fresh_discriminator: true}]");
  Trainer* trainer_ptr = nullptr;
  StateAt d_trained;
  TrainOptions options;
  options.on_step = [&](std::int64_t steps) {
    if (steps == 6) {
      d_trained = {snapshot(trainer_ptr->discriminator()),
                   {},
                   snapshot_adam(trainer_ptr->discriminator_optimizer())};
    }
  };
  Trainer trainer(e, options);
  trainer_ptr = &trainer;
  const auto d_initial = snapshot(trainer.discriminator());
  MemoryRecorder recorder;
  ASSERT_EQ(trainer.train(recorder).status, store::RunStatus::kDone);
  EXPECT_EQ(trainer.phase(), 1u);

  const auto d_final = snapshot(trainer.discriminator());
  const NetworkPtr fresh = build_fresh_discriminator(e, 1, torch::kCPU);
  EXPECT_TRUE(same(d_final, snapshot(*fresh)));
  EXPECT_FALSE(same(d_final, d_trained.parameters));
  EXPECT_FALSE(same(d_final, d_initial));  // its own stream, not the first D's
  EXPECT_FALSE(same(d_final, snapshot(*build_fresh_discriminator(e, 2, torch::kCPU))));

  // The trained D's Adam had taken 6 steps; the new one has taken none.
  for (const auto& [key, steps] : d_trained.adam.steps) EXPECT_EQ(steps, 6) << key;
  EXPECT_EQ(d_trained.adam.steps.size(), d_final.size());
  EXPECT_TRUE(trainer.discriminator_optimizer().state().empty());
}

TEST(Phases, FreshDiscriminatorTrainsWithANewAdam) {
  const Experiment e = tiny(", phases: [{steps: 6}, {steps: 3, fresh_discriminator: true}]");
  Trainer trainer(e, {});
  MemoryRecorder recorder;
  ASSERT_EQ(trainer.train(recorder).status, store::RunStatus::kDone);
  const auto d_steps = adam_steps(trainer.discriminator_optimizer());
  ASSERT_EQ(d_steps.size(), snapshot(trainer.discriminator()).size());
  for (std::int64_t steps : d_steps) EXPECT_EQ(steps, 3);
  for (std::int64_t steps : adam_steps(trainer.generator_optimizer())) EXPECT_EQ(steps, 9);
}

TEST(Phases, ResumedAcrossAPhaseBoundaryGivesTheRowsOfARunNeverStopped) {
  // Stopped right at the fresh start (not yet applied), just after it
  // (applied, and stored as applied), and at the start of a D-frozen phase.
  const Experiment e = tiny(
      ", loss: minimax, phases: [{steps: 5}, {steps: 6, g_steps: 0, fresh_discriminator: true}, "
      "{steps: 5, d_steps: 0}]");
  for (const std::int64_t stop_at : {5, 7, 11}) {
    const auto [whole, parts] = uninterrupted_and_resumed(e, stop_at);
    SCOPED_TRACE(stop_at);
    expect_same_rows(whole, parts);
    ASSERT_EQ(whole.layer_grads.size(), parts.layer_grads.size());
    for (std::size_t i = 0; i < whole.layer_grads.size(); ++i) {
      EXPECT_EQ(whole.layer_grads[i].grad_norm, parts.layer_grads[i].grad_norm);
    }
    ASSERT_EQ(whole.samples.size(), parts.samples.size());
    for (std::size_t i = 0; i < whole.samples.size(); ++i) {
      EXPECT_EQ(whole.samples[i].values, parts.samples[i].values);
    }
  }
}

TEST(Phases, ResumedRunIsInThePhaseOfItsLastStep) {
  const Experiment e = tiny(", phases: [{steps: 5}, {steps: 5, fresh_discriminator: true}]");
  const std::filesystem::path checkpoint =
      std::filesystem::temp_directory_path() /
      ("gansweep-test-phase-" + std::to_string(::getpid()) + ".pt");
  for (const std::int64_t stop_at : {5, 6}) {
    std::atomic<bool> stop{false};
    TrainOptions options;
    options.stop_requested = &stop;
    options.checkpoint_path = checkpoint;
    options.checkpoint_seconds = 1e9;
    options.on_step = [&](std::int64_t steps) {
      if (steps == stop_at) stop = true;
    };
    MemoryRecorder recorder;
    Trainer first(e, options);
    first.train(recorder);
    const auto d_saved = snapshot(first.discriminator());
    Trainer second(e, {});
    second.resume_from(checkpoint);
    // At 5 steps the fresh start is still ahead; at 6 it is behind, and the
    // resumed D is the trained one, not another fresh one.
    EXPECT_EQ(second.phase(), stop_at == 5 ? 0u : 1u);
    EXPECT_TRUE(same(d_saved, snapshot(second.discriminator())));
  }
  std::filesystem::remove(checkpoint);
}

}  // namespace
}  // namespace gansweep
