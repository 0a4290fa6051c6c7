// rerun_best: sections: parsing and each bad section's one located error,
// the checks against the planned runs (metric for the data, evaluations in
// the window, fresh seeds), and the reruns planned from chosen runs.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "config/experiment.h"
#include "config/rerun_plan.h"
#include "config_test_util.h"

namespace gansweep {
namespace {

using testing::plan_error;
using testing::plan_text;

// Two losses, three draws each, two seeds: settings are (loss, sample).
const std::string kSearch =
    "data: {kind: ring8}\n"
    "train: {steps: 300}\n"
    "log: {eval_every: 100}\n"
    "sweep:\n"
    "  train.loss: [minimax, non_saturating]\n"
    "  train.seed: [0, 3]\n"
    "search:\n"
    "  samples: 3\n"
    "  train.lr: {loguniform: [1e-4, 1e-2]}\n";

std::string with_rerun(const std::string& section) { return kSearch + "rerun_best:\n" + section; }

const std::string kRerun =
    "  metric: high_quality_fraction\n"
    "  window: \"200:\"\n"
    "  top: 2\n"
    "  seeds: 4\n";

TEST(RerunBest, ParsesTheSection) {
  const SweepPlan plan = plan_text(with_rerun(kRerun));
  ASSERT_TRUE(plan.definition.rerun_best);
  const RerunBest& r = *plan.definition.rerun_best;
  EXPECT_EQ(r.metric, "high_quality_fraction");
  EXPECT_FALSE(r.lower_is_better);
  EXPECT_EQ(r.window.begin, 200);
  EXPECT_TRUE(r.window.contains(300));
  EXPECT_EQ(r.top, 2);
  EXPECT_EQ(r.seeds, 4);
  EXPECT_FALSE(r.first_seed);
  EXPECT_TRUE(plan_text(with_rerun("  metric: mode_kl\n  window: \"0:\"\n  seeds: 1\n"))
                  .definition.rerun_best->lower_is_better);
}

TEST(RerunBest, FreshSeedsStartAboveTheSweepsHighest) {
  const SweepPlan plan = plan_text(with_rerun(kRerun));
  EXPECT_EQ(rerun_seeds(plan), (std::vector<std::uint64_t>{4, 5, 6, 7}));
  const SweepPlan given = plan_text(with_rerun(kRerun + "  first_seed: 100\n"));
  EXPECT_EQ(rerun_seeds(given), (std::vector<std::uint64_t>{100, 101, 102, 103}));
}

TEST(RerunBest, EachBadSectionGetsOneLocatedError) {
  struct Case {
    std::string section;
    std::string key_path;
    int line;
    std::string fragment;
  };
  // kSearch has 9 lines; rerun_best: is line 10, its entries from 11.
  const std::vector<Case> cases{
      {"  metric: frechet_distanse\n  window: \"0:\"\n  seeds: 2\n", "rerun_best.metric", 11,
       "did you mean 'frechet_distance'"},
      {"  metric: g_loss\n  window: \"0:\"\n  seeds: 2\n", "rerun_best.metric", 11,
       "expected an evaluation metric"},
      {"  metric: mode_kl\n  window: 200\n  seeds: 2\n", "rerun_best.window", 12, "BEGIN:END"},
      {"  metric: mode_kl\n  window: \"300:200\"\n  seeds: 2\n", "rerun_best.window", 12, "empty"},
      {"  metric: mode_kl\n  window: \"0:\"\n  seeds: 0\n", "rerun_best.seeds", 13, "1"},
      {"  metric: mode_kl\n  window: \"0:\"\n  seeds: 2\n  top: 2.5\n", "rerun_best.top", 14,
       "whole"},
      {"  metric: mode_kl\n  window: \"0:\"\n  seed: 2\n", "rerun_best.seed", 13,
       "did you mean 'seeds'"},
      {"  metric: mode_kl\n  window: \"0:\"\n", "rerun_best", 10, "needs seeds:"},
      {"  window: \"0:\"\n  seeds: 2\n", "rerun_best", 10, "needs metric:"},
      {"  metric: mode_kl\n  seeds: 2\n", "rerun_best", 10, "needs window:"},
      // Against the planned runs.
      {"  metric: frechet_distance\n  window: \"0:\"\n  seeds: 2\n", "rerun_best.metric", 11,
       "not measured on ring8"},
      {"  metric: mode_kl\n  window: \"210:290\"\n  seeds: 2\n", "rerun_best.window", 12,
       "no evaluation in steps 210 to 289 (it is evaluated at steps 0, 100, 200, 300)"},
      {"  metric: mode_kl\n  window: \"0:\"\n  seeds: 2\n  first_seed: 2\n",
       "rerun_best.first_seed", 14, "include seed 3, which the sweep already trains"},
  };
  for (const auto& c : cases) {
    const ConfigError e = plan_error(with_rerun(c.section));
    EXPECT_EQ(e.key_path(), c.key_path) << c.section;
    EXPECT_EQ(e.position().line, c.line) << c.section << e.what();
    EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << c.section << "\n"
                                                                         << e.what();
  }
  const ConfigError not_a_map = plan_error(kSearch + "rerun_best: 3\n");
  EXPECT_EQ(not_a_map.key_path(), "rerun_best");
}

TEST(RerunBest, ASweepCannotTakeTheRerunsName) {
  const ConfigError e = plan_error("name: study.rerun_best\ndata: {kind: ring8}\n");
  EXPECT_EQ(e.key_path(), "name");
  EXPECT_EQ(e.position().line, 1);
  EXPECT_NE(std::string(e.what()).find("ends in .rerun_best"), std::string::npos) << e.what();
  const ConfigError from_file = plan_error("data: {kind: ring8}\n", "x.rerun_best.yaml");
  EXPECT_EQ(from_file.key_path(), "name");
  EXPECT_NE(std::string(from_file.what()).find("ends in .rerun_best"), std::string::npos);
}

TEST(RerunBest, ASettingIsItsRunsWithoutTheSeed) {
  const SweepPlan plan = plan_text(with_rerun(kRerun));
  std::set<std::string> settings;
  for (const auto& run : plan.runs) settings.insert(setting_key(run.experiment));
  EXPECT_EQ(plan.runs.size(), 12u);
  EXPECT_EQ(settings.size(), 6u);  // 2 losses x 3 samples, seeds paired
  // Seed 0 and seed 3 of the first cell's first sample are one setting.
  EXPECT_EQ(setting_key(plan.runs[0].experiment), setting_key(plan.runs[3].experiment));
  EXPECT_NE(plan.runs[0].run_key, plan.runs[3].run_key);
}

TEST(RerunBest, RerunsCopyTheChosenRunsWithFreshSeeds) {
  const SweepPlan plan = plan_text(with_rerun(kRerun));
  const SweepPlan reruns = plan_reruns(plan, {7, 1});
  EXPECT_EQ(reruns.definition.name, plan.definition.name + ".rerun_best");
  ASSERT_EQ(reruns.runs.size(), 8u);
  std::set<std::string> keys;
  for (std::size_t i = 0; i < reruns.runs.size(); ++i) {
    const PlannedRun& run = reruns.runs[i];
    const PlannedRun& chosen = plan.runs[i < 4 ? 7 : 1];
    EXPECT_EQ(run.position, static_cast<int>(i));
    EXPECT_EQ(run.experiment.seed, 4 + i % 4);
    EXPECT_EQ(setting_key(run.experiment), setting_key(chosen.experiment));
    EXPECT_EQ(run.experiment.lr_g, chosen.experiment.lr_g);
    EXPECT_EQ(run.run_key, run_key_of(run.experiment));
    keys.insert(run.run_key);
    for (const auto& other : plan.runs) EXPECT_NE(run.run_key, other.run_key);
    // The seed is the swept train.seed, replaced, not listed twice.
    int seeds_listed = 0;
    for (const auto& [path, value] : run.swept) {
      if (path != "train.seed") continue;
      ++seeds_listed;
      EXPECT_EQ(std::get<std::int64_t>(value), static_cast<std::int64_t>(4 + i % 4));
    }
    EXPECT_EQ(seeds_listed, 1);
  }
  EXPECT_EQ(keys.size(), 8u);
  // Positions 1 and 4 are one setting (seeds 0 and 3 of one draw): its
  // reruns are planned once.
  const SweepPlan same = plan_reruns(plan, {1, 4});
  EXPECT_EQ(same.runs.size(), 4u);
  EXPECT_EQ(same.duplicates_dropped, 4u);
}

TEST(RerunBest, ASweepWithoutSeedsOnItsGridGetsTheSeedAsAColumn) {
  const SweepPlan plan = plan_text(
      "data: {kind: ring8}\n"
      "train: {steps: 100}\n"
      "sweep:\n"
      "  train.loss: [minimax, hinge]\n"
      "rerun_best: {metric: mode_kl, window: \"0:\", seeds: 2}\n");
  EXPECT_EQ(rerun_seeds(plan), (std::vector<std::uint64_t>{1, 2}));
  const SweepPlan reruns = plan_reruns(plan, {1});
  ASSERT_EQ(reruns.runs.size(), 2u);
  EXPECT_EQ(reruns.swept_paths.back(), "train.seed");
  EXPECT_EQ(reruns.runs[1].experiment.loss, LossKind::kHinge);
  EXPECT_EQ(reruns.runs[1].experiment.seed, 2u);
}

}  // namespace
}  // namespace gansweep
