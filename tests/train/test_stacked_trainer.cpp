// Runs trained as one stacked model against the same runs trained one by
// one: every row of every run must agree to float tolerance (the batched
// matrix products round differently), runs keep their own seeds, rates,
// losses and D steps, a diverging run stops alone, and a stacked group
// resumes from its checkpoint bit for bit.
#include "train/stacked_trainer.h"

#include <unistd.h>

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "config/sweep_plan.h"
#include "runner/run_groups.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

std::vector<Experiment> plan(const std::string& yaml) {
  std::vector<Experiment> runs;
  for (const auto& run : plan_sweep(parse_sweep_definition(yaml, "stack.yaml")).runs) {
    runs.push_back(run.experiment);
  }
  return runs;
}

// Ring8, hidden 32: eight runs that differ in loss, learning rate and Adam's
// beta1 (as a random search draws them), D steps and seed.
std::vector<Experiment> mixed_ring8_runs(std::int64_t steps) {
  return plan(
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 32, z_dim: 2}\n"
      "train: {batch: 32, steps: " +
      std::to_string(steps) +
      "}\n"
      "log: {every: 1, eval_every: 20, layer_every: 10, eval_samples: 200, sample_count: 4}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating]\n"
      "  zip:\n"
      "    train.lr: [1e-3, 3e-4]\n"
      "    train.beta1: [0.5, 0.0]\n"
      "  train.d_steps: [1, 3]\n"
      "  train.seed: [0]\n");
}

std::vector<MemoryRecorder> train_separately(const std::vector<Experiment>& runs,
                                             std::vector<TrainResult>* results = nullptr) {
  std::vector<MemoryRecorder> recorders(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    Trainer trainer(runs[r], {});
    const TrainResult result = trainer.train(recorders[r]);
    if (results != nullptr) results->push_back(result);
  }
  return recorders;
}

std::vector<RunRecorder*> pointers(std::vector<MemoryRecorder>& recorders) {
  std::vector<RunRecorder*> out;
  for (auto& r : recorders) out.push_back(&r);
  return out;
}

// Relative agreement with a floor for values near zero.
void expect_close(double separate, double stacked, double tolerance, const std::string& what) {
  if (std::isnan(separate) || std::isnan(stacked)) {
    EXPECT_EQ(std::isnan(separate), std::isnan(stacked)) << what;
    return;
  }
  if (std::isinf(separate) || std::isinf(stacked)) {
    EXPECT_EQ(separate, stacked) << what;
    return;
  }
  const double scale = std::max({std::abs(separate), std::abs(stacked), 1e-3});
  EXPECT_LE(std::abs(separate - stacked) / scale, tolerance)
      << what << ": separate " << separate << ", stacked " << stacked;
}

void expect_equivalent(const MemoryRecorder& separate, const MemoryRecorder& stacked,
                       double tolerance, const std::string& run) {
  ASSERT_EQ(separate.steps.size(), stacked.steps.size()) << run;
  for (std::size_t i = 0; i < separate.steps.size(); ++i) {
    const auto& a = separate.steps[i];
    const auto& b = stacked.steps[i];
    const std::string at = run + " step " + std::to_string(a.step);
    ASSERT_EQ(a.step, b.step) << at;
    expect_close(a.d_loss, b.d_loss, tolerance, at + " d_loss");
    expect_close(a.g_loss, b.g_loss, tolerance, at + " g_loss");
    expect_close(a.d_grad_norm, b.d_grad_norm, tolerance, at + " d_grad_norm");
    expect_close(a.g_grad_norm, b.g_grad_norm, tolerance, at + " g_grad_norm");
    expect_close(a.d_real, b.d_real, tolerance, at + " d_real");
    expect_close(a.d_fake, b.d_fake, tolerance, at + " d_fake");
    expect_close(a.d_real_logit, b.d_real_logit, tolerance, at + " d_real_logit");
    expect_close(a.d_fake_logit, b.d_fake_logit, tolerance, at + " d_fake_logit");
    expect_close(a.dg_dp, b.dg_dp, tolerance, at + " dg_dp");
    expect_close(a.dg_dlogit, b.dg_dlogit, tolerance, at + " dg_dlogit");
  }
  ASSERT_EQ(separate.evals.size(), stacked.evals.size()) << run;
  for (std::size_t i = 0; i < separate.evals.size(); ++i) {
    EXPECT_EQ(separate.evals[i].step, stacked.evals[i].step) << run;
    // Mode counts are integers of 200 samples: a sample near the 3-sigma
    // boundary may fall either side, so allow one mode and 2% of samples.
    EXPECT_NEAR(*separate.evals[i].modes_covered, *stacked.evals[i].modes_covered, 1.0) << run;
    EXPECT_NEAR(*separate.evals[i].high_quality_fraction, *stacked.evals[i].high_quality_fraction,
                0.02)
        << run;
  }
  ASSERT_EQ(separate.layer_grads.size(), stacked.layer_grads.size()) << run;
  for (std::size_t i = 0; i < separate.layer_grads.size(); ++i) {
    const auto& a = separate.layer_grads[i];
    const auto& b = stacked.layer_grads[i];
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.net, b.net);
    EXPECT_EQ(a.layer, b.layer);
    expect_close(a.grad_norm, b.grad_norm, tolerance, run + " layer " + a.layer);
  }
  ASSERT_EQ(separate.samples.size(), stacked.samples.size()) << run;
  for (std::size_t i = 0; i < separate.samples.size(); ++i) {
    EXPECT_EQ(separate.samples[i].shape, stacked.samples[i].shape);
    for (std::size_t k = 0; k < separate.samples[i].values.size(); ++k) {
      expect_close(separate.samples[i].values[k], stacked.samples[i].values[k], tolerance,
                   run + " sample value");
    }
  }
}

TEST(StackedTrainer, StartsFromEachRunsOwnInitialWeights) {
  const auto runs = mixed_ring8_runs(10);
  StackedTrainer stacked(runs, {});
  for (std::size_t r = 0; r < runs.size(); ++r) {
    Trainer separate(runs[r], {});
    std::vector<torch::Tensor> g;
    for (const auto& p : separate.generator().parameters()) g.push_back(p.detach().flatten());
    std::vector<torch::Tensor> d;
    for (const auto& p : separate.discriminator().parameters()) d.push_back(p.detach().flatten());
    EXPECT_TRUE(torch::equal(torch::cat(g), stacked.generator_parameters(r))) << r;
    EXPECT_TRUE(torch::equal(torch::cat(d), stacked.discriminator_parameters(r))) << r;
  }
}

TEST(StackedTrainer, EveryRunsRowsMatchTheSeparateRun) {
  const auto runs = mixed_ring8_runs(60);
  auto separate = train_separately(runs);
  std::vector<MemoryRecorder> stacked(runs.size());
  StackedTrainer trainer(runs, {});
  const auto results = trainer.train(pointers(stacked));
  for (std::size_t r = 0; r < runs.size(); ++r) {
    EXPECT_EQ(results[r].status, store::RunStatus::kDone);
    EXPECT_EQ(results[r].steps_done, 60);
    expect_equivalent(separate[r], stacked[r], 1e-4, "run " + run_key_of(runs[r]));
  }
}

TEST(StackedTrainer, WassersteinPenaltyRunsMatchWithTheirOwnLambda) {
  const auto runs = plan(
      "data: {kind: grid25}\n"
      "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
      "train: {batch: 16, steps: 30, loss: wasserstein_gp, d_steps: 2}\n"
      "log: {every: 1, eval_every: 15, layer_every: 0, eval_samples: 100, sample_count: 0}\n"
      "sweep:\n"
      "  train.gp_lambda: [1, 10]\n"
      "  train.seed: [3, 4]\n");
  ASSERT_EQ(runs.size(), 4u);
  auto separate = train_separately(runs);
  std::vector<MemoryRecorder> stacked(runs.size());
  StackedTrainer(runs, {}).train(pointers(stacked));
  for (std::size_t r = 0; r < runs.size(); ++r) {
    expect_equivalent(separate[r], stacked[r], 1e-4, "run " + run_key_of(runs[r]));
  }
}

TEST(StackedTrainer, FashionMnistMlpRunsMatch) {
  const auto runs = plan(
      "data: {kind: fashion_mnist}\n"
      "model: {kind: mlp, hidden: 32, z_dim: 16}\n"
      "train: {batch: 16, steps: 12}\n"
      "log: {every: 1, eval_every: 6, layer_every: 6, sample_count: 2}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating]\n"
      "  train.seed: [0, 1]\n");
  auto separate = train_separately(runs);
  std::vector<MemoryRecorder> stacked(runs.size());
  StackedTrainer(runs, {}).train(pointers(stacked));
  for (std::size_t r = 0; r < runs.size(); ++r) {
    expect_equivalent(separate[r], stacked[r], 1e-4, "run " + run_key_of(runs[r]));
  }
}

TEST(StackedTrainer, ADivergingRunStopsAloneAtTheSameStep) {
  // Learning rate 1e6 sends minimax's weights to infinity within a few steps
  // (c08); the other runs of the group must not notice.
  const auto runs = plan(
      "data: {kind: ring8}\n"
      "model: {kind: mlp, hidden: 16, z_dim: 2}\n"
      "train: {batch: 32, steps: 40, loss: minimax}\n"
      "log: {every: 5, eval_every: 20, layer_every: 0, eval_samples: 100, sample_count: 0}\n"
      "sweep:\n"
      "  train.lr: [1e6, 1e-3]\n"
      "  train.seed: [0, 1]\n");
  std::vector<TrainResult> separate_results;
  auto separate = train_separately(runs, &separate_results);
  std::vector<MemoryRecorder> stacked(runs.size());
  std::vector<std::int64_t> ended;
  const auto results = StackedTrainer(runs, {}).train(
      pointers(stacked), [&](std::int64_t r, const TrainResult&) { ended.push_back(r); });
  int diverged = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    EXPECT_EQ(results[r].status, separate_results[r].status) << r;
    EXPECT_EQ(results[r].first_nonfinite_step, separate_results[r].first_nonfinite_step) << r;
    EXPECT_EQ(results[r].steps_done, separate_results[r].steps_done) << r;
    if (results[r].status == store::RunStatus::kDiverged) {
      ++diverged;
      EXPECT_NE(std::find(ended.begin(), ended.end(), static_cast<std::int64_t>(r)), ended.end());
    }
    expect_equivalent(separate[r], stacked[r], 1e-4, "run " + std::to_string(r));
  }
  EXPECT_GE(diverged, 1) << "lr 1e6 no longer diverges here; pick a harsher setting";
}

TEST(StackedTrainer, ResumesFromItsCheckpointBitForBit) {
  const auto runs = mixed_ring8_runs(40);
  std::vector<MemoryRecorder> whole(runs.size());
  StackedTrainer(runs, {}).train(pointers(whole));

  const auto checkpoint = std::filesystem::temp_directory_path() /
                          ("gansweep-stack-" + std::to_string(getpid()) + ".pt");
  std::atomic<bool> stop{false};
  TrainOptions options;
  options.stop_requested = &stop;
  options.checkpoint_path = checkpoint;
  options.checkpoint_seconds = 1e9;
  options.on_step = [&](std::int64_t steps) {
    if (steps == 17) stop = true;
  };
  std::vector<MemoryRecorder> parts(runs.size());
  const auto first = StackedTrainer(runs, options).train(pointers(parts));
  EXPECT_EQ(first[0].status, store::RunStatus::kInterrupted);
  ASSERT_TRUE(std::filesystem::exists(checkpoint));

  StackedTrainer resumed(runs, {});
  EXPECT_EQ(resumed.resume_from(checkpoint), 17);
  const auto second = resumed.train(pointers(parts));
  for (std::size_t r = 0; r < runs.size(); ++r) {
    EXPECT_EQ(second[r].status, store::RunStatus::kDone);
    ASSERT_EQ(whole[r].steps.size(), parts[r].steps.size());
    for (std::size_t i = 0; i < whole[r].steps.size(); ++i) {
      EXPECT_EQ(whole[r].steps[i].step, parts[r].steps[i].step);
      EXPECT_EQ(whole[r].steps[i].d_loss, parts[r].steps[i].d_loss);
      EXPECT_EQ(whole[r].steps[i].g_loss, parts[r].steps[i].g_loss);
      EXPECT_EQ(whole[r].steps[i].g_grad_norm, parts[r].steps[i].g_grad_norm);
      EXPECT_EQ(whole[r].steps[i].d_grad_norm, parts[r].steps[i].d_grad_norm);
    }
  }
  // Another group's checkpoint is refused.
  auto others = runs;
  std::swap(others[0], others[1]);
  StackedTrainer other(others, {});
  EXPECT_THROW(other.resume_from(checkpoint), CheckpointError);
  std::filesystem::remove(checkpoint);
}

TEST(StackedTrainer, ExcludedRunsRecordNothing) {
  const auto runs = mixed_ring8_runs(10);
  std::vector<MemoryRecorder> stacked(runs.size());
  StackedTrainer trainer(runs, {});
  trainer.exclude(2);
  trainer.train(pointers(stacked));
  EXPECT_TRUE(stacked[2].steps.empty());
  EXPECT_TRUE(stacked[2].evals.empty());
  EXPECT_EQ(stacked[0].steps.size(), 10u);
}

TEST(StackedTrainer, RefusesRunsThatCannotShareAModel) {
  auto runs = mixed_ring8_runs(10);
  runs[1].hidden = 64;
  EXPECT_THROW(StackedTrainer(runs, {}), std::invalid_argument);
}

TEST(RunGroups, SplitsBySignatureEvenlyAndLeavesDcgansAlone) {
  auto runs = mixed_ring8_runs(10);  // 8 stackable runs of one signature
  Experiment dcgan = runs[0];
  dcgan.model_kind = ModelKind::kDcgan;
  runs.push_back(dcgan);
  Experiment longer = runs[0];
  longer.steps = 20;
  runs.push_back(longer);
  std::vector<const Experiment*> pointers_to;
  for (const auto& e : runs) pointers_to.push_back(&e);
  const auto groups = form_stacked_groups(pointers_to, 3);
  // The DCGAN alone, 8 runs as 2 + 3 + 3 ordered by d_steps (the four of 1
  // first, in plan order), the longer run alone.
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0], std::vector<std::size_t>({8}));
  EXPECT_EQ(groups[1], std::vector<std::size_t>({0, 2}));
  EXPECT_EQ(groups[2], std::vector<std::size_t>({4, 6, 1}));
  EXPECT_EQ(groups[3], std::vector<std::size_t>({3, 5, 7}));
  EXPECT_EQ(groups[4], std::vector<std::size_t>({9}));
}

}  // namespace
}  // namespace gansweep
