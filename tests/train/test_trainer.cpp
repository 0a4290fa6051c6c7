// The trainer on tiny sweeps of its own: update isolation, determinism,
// pairing by seed, recording intervals, divergence and interruption.
#include "train/trainer.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "config/sweep_plan.h"
#include "models/model_factory.h"
#include "trainer_test_util.h"

namespace gansweep {
namespace {

using testing::expect_same_rows;
using testing::same;
using testing::snapshot;
using testing::tiny;
using testing::uninterrupted_and_resumed;

TEST(Trainer, DiscriminatorUpdateLeavesGeneratorUnchanged) {
  for (const std::string loss : {"minimax", "wasserstein_gp"}) {
    Trainer trainer(tiny(", loss: " + loss), {});
    const auto g_before = snapshot(trainer.generator());
    const auto d_before = snapshot(trainer.discriminator());
    trainer.discriminator_update();
    EXPECT_TRUE(same(g_before, snapshot(trainer.generator()))) << loss;
    EXPECT_FALSE(same(d_before, snapshot(trainer.discriminator()))) << loss;
  }
}

TEST(Trainer, GeneratorUpdateLeavesDiscriminatorUnchanged) {
  Trainer trainer(tiny(), {});
  trainer.discriminator_update();
  const auto g_before = snapshot(trainer.generator());
  const auto d_before = snapshot(trainer.discriminator());
  trainer.generator_update();
  EXPECT_TRUE(same(d_before, snapshot(trainer.discriminator())));
  EXPECT_FALSE(same(g_before, snapshot(trainer.generator())));
}

TEST(Trainer, SameRunTwiceGivesIdenticalRows) {
  for (const std::string loss : {"non_saturating", "wasserstein_gp"}) {
    MemoryRecorder first;
    MemoryRecorder second;
    Trainer(tiny(", loss: " + loss), {}).train(first);
    Trainer(tiny(", loss: " + loss), {}).train(second);
    expect_same_rows(first, second);
  }
}

TEST(Trainer, DifferentSeedsGiveDifferentRows) {
  MemoryRecorder a;
  MemoryRecorder b;
  Trainer(tiny(", seed: 1"), {}).train(a);
  Trainer(tiny(", seed: 2"), {}).train(b);
  EXPECT_NE(a.steps[0].d_loss, b.steps[0].d_loss);
}

TEST(Trainer, RunsSharingASeedStartFromTheSameWeightsWhateverTheLoss) {
  const auto a = build_models(tiny(", loss: minimax, d_steps: 5"), torch::kCPU);
  const auto b = build_models(tiny(", loss: hinge, lr: 1e-2"), torch::kCPU);
  EXPECT_TRUE(same(snapshot(*a.generator), snapshot(*b.generator)));
  EXPECT_TRUE(same(snapshot(*a.discriminator), snapshot(*b.discriminator)));
  const auto c = build_models(tiny(", seed: 7"), torch::kCPU);
  EXPECT_FALSE(same(snapshot(*a.generator), snapshot(*c.generator)));
}

TEST(Trainer, RecordsAtTheConfiguredIntervals) {
  MemoryRecorder recorder;
  const TrainResult result = Trainer(tiny(), {}).train(recorder);
  EXPECT_EQ(result.status, store::RunStatus::kDone);
  EXPECT_EQ(result.steps_done, 30);
  ASSERT_EQ(recorder.steps.size(), 30u);  // log.every defaults to 1
  for (int i = 0; i < 30; ++i) EXPECT_EQ(recorder.steps[i].step, i);
  // Evaluations before training and after 10, 20 and 30 steps.
  ASSERT_EQ(recorder.evals.size(), 4u);
  EXPECT_EQ(recorder.evals[0].step, 0);
  EXPECT_EQ(recorder.evals[3].step, 30);
  ASSERT_EQ(recorder.samples.size(), 4u);
  EXPECT_EQ(recorder.samples[0].shape, (std::vector<std::int64_t>{8, 2}));
  EXPECT_EQ(recorder.samples[0].values.size(), 16u);
  // Layer norms at steps 0, 10, 20: G and D have 3 linear layers each.
  EXPECT_EQ(recorder.layer_grads.size(), 3u * 12u);
  for (const auto& row : recorder.steps) {
    EXPECT_TRUE(std::isfinite(row.g_grad_norm));
    EXPECT_GT(row.g_grad_norm, 0.0);
    EXPECT_GE(row.d_real, 0.0);
    EXPECT_LE(row.d_real, 1.0);
    EXPECT_NEAR(row.d_fake, 1 / (1 + std::exp(-row.d_fake_logit)), 0.2);
    EXPECT_GT(row.dg_dp, row.dg_dlogit);  // |dJ/dp| = |dJ/dl| / (p(1-p)) >= 4 |dJ/dl|
  }
}

TEST(Trainer, LogEveryThinsTheRows) {
  Experiment e = tiny(", steps: 25");
  e.log_every = 10;
  MemoryRecorder thinned;
  Trainer(e, {}).train(thinned);
  ASSERT_EQ(thinned.steps.size(), 3u);
  EXPECT_EQ(thinned.steps[2].step, 20);
}

TEST(Trainer, NonFiniteWeightsEndTheRunAsDiverged) {
  // Deterministic divergence: poison one discriminator weight.
  Trainer trainer(tiny(), {});
  {
    torch::NoGradGuard no_grad;
    trainer.discriminator().parameters()[0][0][0] = std::numeric_limits<float>::infinity();
  }
  MemoryRecorder recorder;
  const TrainResult result = trainer.train(recorder);
  EXPECT_EQ(result.status, store::RunStatus::kDiverged);
  ASSERT_TRUE(result.first_nonfinite_step.has_value());
  EXPECT_EQ(*result.first_nonfinite_step, 0);
  EXPECT_EQ(result.steps_done, 1);
  ASSERT_EQ(recorder.steps.size(), 1u);
  EXPECT_FALSE(std::isfinite(recorder.steps[0].d_grad_norm) &&
               std::isfinite(recorder.steps[0].d_loss));
}

TEST(Trainer, HugeLearningRateDivergesAndIsRecorded) {
  // The c08 setting; whether it diverges depends on the initial weights, so
  // this checks the contract either way: a diverged run stops at its first
  // non-finite step and records it.
  MemoryRecorder recorder;
  const TrainResult result =
      Trainer(tiny(", loss: minimax, lr: 1e6, steps: 200"), {}).train(recorder);
  if (result.status == store::RunStatus::kDiverged) {
    EXPECT_EQ(recorder.steps.back().step, *result.first_nonfinite_step);
    EXPECT_EQ(result.steps_done, *result.first_nonfinite_step + 1);
  } else {
    EXPECT_EQ(result.status, store::RunStatus::kDone);
    EXPECT_EQ(recorder.steps.size(), 200u);
  }
}

TEST(Trainer, StopRequestInterrupts) {
  std::atomic<bool> stop{false};
  TrainOptions options;
  options.stop_requested = &stop;
  options.on_step = [&](std::int64_t steps) {
    if (steps == 5) stop = true;
  };
  MemoryRecorder recorder;
  const TrainResult result = Trainer(tiny(), options).train(recorder);
  EXPECT_EQ(result.status, store::RunStatus::kInterrupted);
  EXPECT_EQ(result.steps_done, 5);
  EXPECT_EQ(recorder.steps.size(), 5u);
}

TEST(Trainer, ResumedFromACheckpointGivesTheRowsOfARunNeverStopped) {
  // The penalty's stream (wasserstein_gp), several D steps, and a stop
  // between evaluations.
  for (const std::string extra : {", loss: wasserstein_gp", ", loss: hinge, d_steps: 2"}) {
    const auto [whole, parts] = uninterrupted_and_resumed(tiny(extra), 15);
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

TEST(Trainer, ResumedImageRunKeepsBatchNormStatisticsAndItsPlaceInTheData) {
  const std::string yaml =
      "data: {kind: fashion_mnist}\n"
      "model: {kind: dcgan, width: 4, z_dim: 8}\n"
      "train: {steps: 6, batch: 8}\n"
      "log: {eval_every: 2, sample_count: 4}\n";
  const Experiment e =
      plan_sweep(parse_sweep_definition(yaml, "images.yaml")).runs.at(0).experiment;
  const auto [whole, parts] = uninterrupted_and_resumed(e, 3);
  expect_same_rows(whole, parts);
  ASSERT_EQ(whole.samples.size(), parts.samples.size());
  EXPECT_EQ(whole.samples.back().values, parts.samples.back().values);
}

TEST(Trainer, ACheckpointOfOtherSettingsIsRefused) {
  const std::filesystem::path checkpoint =
      std::filesystem::temp_directory_path() /
      ("gansweep-test-other-" + std::to_string(::getpid()) + ".pt");
  Trainer(tiny(", loss: hinge"), {}).save_checkpoint(checkpoint);
  EXPECT_EQ(read_checkpoint_step(checkpoint), 0);
  Trainer other(tiny(", loss: minimax"), {});
  EXPECT_THROW(other.resume_from(checkpoint), CheckpointError);

  // A few bytes changed inside a tensor: the hash in the trailer catches it.
  {
    std::fstream file(checkpoint, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(0, std::ios::end);
    const auto size = static_cast<std::streamoff>(file.tellg());
    file.seekp(size / 2);
    const char garbage[4] = {'\x5a', '\x5a', '\x5a', '\x5a'};
    file.write(garbage, sizeof garbage);
  }
  Trainer same(tiny(", loss: hinge"), {});
  EXPECT_THROW(same.resume_from(checkpoint), CheckpointError);
  EXPECT_THROW(read_checkpoint_step(checkpoint), CheckpointError);
  std::filesystem::remove(checkpoint);
  std::ofstream(checkpoint) << "not a checkpoint";
  EXPECT_THROW(read_checkpoint_step(checkpoint), CheckpointError);
  EXPECT_THROW(other.resume_from(checkpoint), CheckpointError);
  std::filesystem::remove(checkpoint);
}

TEST(Trainer, FashionMnistModelsTrainAndCriticHasNoBatchNorm) {
  const std::string yaml =
      "data: {kind: fashion_mnist}\n"
      "model: {kind: dcgan, width: 4, z_dim: 8}\n"
      "train: {steps: 2, batch: 8}\n"
      "log: {eval_every: 2, sample_count: 4}\n"
      "sweep:\n  train.loss: [non_saturating, wasserstein_gp]\n";
  const SweepPlan plan = plan_sweep(parse_sweep_definition(yaml, "images.yaml"));
  for (const auto& run : plan.runs) {
    Trainer trainer(run.experiment, {});
    int norms = 0;
    for (const auto& m : trainer.discriminator().modules()) {
      if (m->as<torch::nn::BatchNorm2d>()) ++norms;
    }
    EXPECT_EQ(norms, run.experiment.loss == LossKind::kWassersteinGp ? 0 : 2);
    MemoryRecorder recorder;
    EXPECT_EQ(trainer.train(recorder).status, store::RunStatus::kDone);
    EXPECT_EQ(recorder.steps.size(), 2u);
    ASSERT_FALSE(recorder.samples.empty());
    EXPECT_EQ(recorder.samples[0].shape, (std::vector<std::int64_t>{4, 1, 28, 28}));
    // Without an image_quality in the options (the runner passes one), image
    // runs store samples only.
    EXPECT_TRUE(recorder.evals.empty());
  }
}

}  // namespace
}  // namespace gansweep
