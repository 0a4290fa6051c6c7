// Paired runs: runs that differ only in loss, learning rate or step ratio
// and share a seed start from the same weights and see the same first real
// batch, training noise and evaluation noise, so their differences come
// from the setting alone. Where a setting changes shapes (the critic of
// wasserstein_gp has no batch norm), what is still shared is pinned here.
#include <string>
#include <vector>

#include <gtest/gtest.h>

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

// What a run starts from, read before its first update.
struct Start {
  std::vector<torch::Tensor> generator;
  std::vector<torch::Tensor> generator_buffers;
  std::vector<torch::Tensor> discriminator;
  torch::Tensor real_batch;
  torch::Tensor noise;
  std::vector<float> eval_samples;  // G's output on the fixed evaluation noise
};

Start start_of(const Experiment& experiment) {
  Trainer trainer(experiment, {});
  Start start;
  start.generator = snapshot(trainer.generator());
  start.generator_buffers = snapshot_buffers(trainer.generator());
  start.discriminator = snapshot(trainer.discriminator());
  start.real_batch = trainer.peek_real_batch();
  start.noise = trainer.peek_noise();
  MemoryRecorder recorder;
  trainer.evaluate(0, recorder);
  start.eval_samples = recorder.samples.at(0).values;
  return start;
}

void expect_same_start(const Start& a, const Start& b) {
  EXPECT_TRUE(same(a.generator, b.generator));
  EXPECT_TRUE(same(a.generator_buffers, b.generator_buffers));
  EXPECT_TRUE(same(a.discriminator, b.discriminator));
  EXPECT_TRUE(torch::equal(a.real_batch, b.real_batch));
  EXPECT_TRUE(torch::equal(a.noise, b.noise));
  EXPECT_EQ(a.eval_samples, b.eval_samples);
}

TEST(PairedRuns, LossLearningRateAndStepRatioShareTheStart) {
  const Start minimax = start_of(tiny(", loss: minimax"));
  ASSERT_EQ(minimax.real_batch.sizes(), (std::vector<std::int64_t>{32, 2}));
  ASSERT_EQ(minimax.noise.sizes(), (std::vector<std::int64_t>{32, 2}));
  for (const std::string other :
       {", loss: non_saturating", ", loss: minimax, lr: 1e-2", ", loss: minimax, d_steps: 5",
        ", loss: hinge, lr_d: 4e-3, g_steps: 2",
        ", loss: minimax, phases: [{steps: 5}, {steps: 5, g_steps: 0}]"}) {
    SCOPED_TRACE(other);
    expect_same_start(minimax, start_of(tiny(other)));
  }
  // The control: another seed shares none of it.
  const Start seed_1 = start_of(tiny(", loss: minimax, seed: 1"));
  EXPECT_FALSE(same(minimax.generator, seed_1.generator));
  EXPECT_FALSE(same(minimax.discriminator, seed_1.discriminator));
  EXPECT_FALSE(torch::equal(minimax.real_batch, seed_1.real_batch));
  EXPECT_FALSE(torch::equal(minimax.noise, seed_1.noise));
}

TEST(PairedRuns, ThePairsFirstUpdatesSeeTheSameBatches) {
  // One D update of each: the same D, real batch and noise give the same D
  // loss and real logits under minimax and non_saturating (they share D's
  // loss), and the peeked batches are what the updates drew.
  Trainer minimax(tiny(", loss: minimax"), {});
  Trainer non_saturating(tiny(", loss: non_saturating, lr: 1e-2"), {});
  const torch::Tensor peeked = minimax.peek_real_batch();
  const UpdateStats a = minimax.discriminator_update();
  const UpdateStats b = non_saturating.discriminator_update();
  EXPECT_TRUE(torch::equal(a.loss, b.loss));
  EXPECT_TRUE(torch::equal(a.real_logits, b.real_logits));
  EXPECT_TRUE(torch::equal(a.fake_logits, b.fake_logits));
  // The update drew the peeked batch: D's logits on it, recomputed with the
  // weights the update started from, are the update's.
  Trainer fresh(tiny(", loss: minimax"), {});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(fresh.discriminator().forward(peeked), a.real_logits));
}

TEST(PairedRuns, PeekingChangesNothing) {
  MemoryRecorder plain;
  Trainer(tiny(", steps: 12"), {}).train(plain);
  Trainer peeked_trainer(tiny(", steps: 12"), {});
  peeked_trainer.peek_real_batch();
  peeked_trainer.peek_noise();
  MemoryRecorder peeked;
  peeked_trainer.train(peeked);
  expect_same_rows(plain, peeked);
}

TEST(PairedRuns, ImageRunsShareTheGeneratorAndDataWhenTheCriticLosesBatchNorm) {
  // wasserstein_gp's critic has no batch norm, so its convolutions take
  // biases and its stream is drawn for other layers: only what comes
  // before the first batch norm is drawn alike. G, the data and the noise
  // do not depend on the loss at all.
  const Start non_saturating = start_of(tiny_images(", loss: non_saturating"));
  const Start minimax = start_of(tiny_images(", loss: minimax, lr: 1e-3"));
  expect_same_start(non_saturating, minimax);

  const Start critic = start_of(tiny_images(", loss: wasserstein_gp"));
  EXPECT_TRUE(same(non_saturating.generator, critic.generator));
  EXPECT_TRUE(same(non_saturating.generator_buffers, critic.generator_buffers));
  EXPECT_TRUE(torch::equal(non_saturating.real_batch, critic.real_batch));
  EXPECT_TRUE(torch::equal(non_saturating.noise, critic.noise));
  EXPECT_EQ(non_saturating.eval_samples, critic.eval_samples);
  // D's parameters, in order: conv1 weight and bias, conv2 weight, then
  // batch norm (with it) or conv2's bias (without).
  ASSERT_NE(non_saturating.discriminator.size(), critic.discriminator.size());
  EXPECT_TRUE(torch::equal(non_saturating.discriminator[0], critic.discriminator[0]));
  EXPECT_TRUE(torch::equal(non_saturating.discriminator[1], critic.discriminator[1]));
  EXPECT_TRUE(torch::equal(non_saturating.discriminator[2], critic.discriminator[2]));
  EXPECT_FALSE(same(non_saturating.discriminator, critic.discriminator));
}

}  // namespace
}  // namespace gansweep
