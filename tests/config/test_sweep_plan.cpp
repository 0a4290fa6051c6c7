// Expansion: grid order, zip groups, and the swept values of each run.
#include "config/sweep_plan.h"

#include <string>

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_text;

TEST(SweepPlan, NoSweepIsOneRun) {
  const SweepPlan plan = plan_text("data: {kind: ring8}\n");
  ASSERT_EQ(plan.runs.size(), 1u);
  EXPECT_TRUE(plan.runs[0].swept.empty());
  EXPECT_TRUE(plan.swept_paths.empty());
}

TEST(SweepPlan, GridIsInFileOrderLastAxisFastest) {
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\n"
      "sweep:\n"
      "  train.loss: [minimax, non_saturating]\n"
      "  train.lr: [1e-4, 1e-3]\n"
      "  train.seed: [0, 1, 2]\n");
  ASSERT_EQ(plan.runs.size(), 12u);
  EXPECT_EQ(plan.swept_paths, (std::vector<std::string>{"train.loss", "train.lr", "train.seed"}));
  // Run 0: minimax 1e-4 seed 0; run 1: seed 1; run 3: lr 1e-3 seed 0;
  // run 6: non_saturating.
  EXPECT_EQ(plan.runs[0].experiment.loss, LossKind::kMinimax);
  EXPECT_EQ(plan.runs[1].experiment.seed, 1u);
  EXPECT_DOUBLE_EQ(plan.runs[1].experiment.lr_g, 1e-4);
  EXPECT_DOUBLE_EQ(plan.runs[3].experiment.lr_g, 1e-3);
  EXPECT_EQ(plan.runs[3].experiment.seed, 0u);
  EXPECT_EQ(plan.runs[6].experiment.loss, LossKind::kNonSaturating);
  EXPECT_EQ(plan.runs[11].experiment.seed, 2u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(plan.runs[i].position, i);
  ASSERT_EQ(plan.runs[4].swept.size(), 3u);
  EXPECT_EQ(plan.runs[4].swept[0].first, "train.loss");
  EXPECT_EQ(std::get<std::string>(plan.runs[4].swept[0].second), "minimax");
  EXPECT_DOUBLE_EQ(std::get<double>(plan.runs[4].swept[1].second), 1e-3);
  EXPECT_EQ(std::get<std::int64_t>(plan.runs[4].swept[2].second), 1);
}

TEST(SweepPlan, ZipGroupIsOneAxis) {
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\n"
      "sweep:\n"
      "  zip:\n"
      "    train.lr_g: [1e-4, 2e-4, 4e-4]\n"
      "    train.lr_d: [4e-4, 8e-4, 1.6e-3]\n"
      "  train.d_steps: [1, 5]\n");
  ASSERT_EQ(plan.runs.size(), 6u);
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.lr_g, 1e-4);
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.lr_d, 4e-4);
  EXPECT_EQ(plan.runs[1].experiment.d_steps, 5);
  EXPECT_DOUBLE_EQ(plan.runs[1].experiment.lr_g, 1e-4);
  EXPECT_DOUBLE_EQ(plan.runs[5].experiment.lr_g, 4e-4);
  EXPECT_DOUBLE_EQ(plan.runs[5].experiment.lr_d, 1.6e-3);
}

TEST(SweepPlan, SeveralZipGroupsAsAList) {
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\n"
      "sweep:\n"
      "  zip:\n"
      "    - {train.lr_g: [1e-4, 2e-4], train.lr_d: [1e-3, 2e-3]}\n"
      "    - {train.d_steps: [1, 5], train.g_steps: [1, 2]}\n");
  ASSERT_EQ(plan.runs.size(), 4u);
  EXPECT_EQ(plan.runs[3].experiment.d_steps, 5);
  EXPECT_EQ(plan.runs[3].experiment.g_steps, 2);
  EXPECT_DOUBLE_EQ(plan.runs[3].experiment.lr_d, 2e-3);
}

TEST(SweepPlan, AxisOverridesTheFixedValue) {
  const SweepPlan plan =
      plan_text("data: {kind: ring8}\ntrain: {lr: 5e-1}\nsweep:\n  train.lr: [1e-4]\n");
  EXPECT_DOUBLE_EQ(plan.runs[0].experiment.lr_g, 1e-4);
}

TEST(SweepPlan, CombinationsThatResolveToTheSameRunAreKeptOnce) {
  // gp_lambda matters only to wasserstein_gp.
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\n"
      "sweep:\n"
      "  train.loss: [non_saturating, wasserstein_gp]\n"
      "  train.gp_lambda: [1, 10]\n");
  EXPECT_EQ(plan.runs.size(), 3u);
  EXPECT_EQ(plan.duplicates_dropped, 1u);
  EXPECT_EQ(plan.runs[2].position, 2);
}

TEST(SweepPlan, HugeGridsAreRefusedBeforeExpansion) {
  std::string values = "[";
  for (int i = 1; i <= 1000; ++i) values += std::to_string(i) + (i < 1000 ? "," : "]");
  const std::string yaml = "data: {kind: ring8}\nsweep:\n  train.seed: " + values +
                           "\n  train.steps: " + values + "\n  train.batch: " + values + "\n";
  try {
    plan_text(yaml);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(e.detail().find("more than 1000000 combinations"), std::string::npos);
  }
}

TEST(SweepPlan, ColumnNames) {
  EXPECT_EQ(column_name_of("train.lr"), "train_lr");
  EXPECT_EQ(column_name_of("model.z_dim"), "model_z_dim");
}

}  // namespace
}  // namespace gansweep
