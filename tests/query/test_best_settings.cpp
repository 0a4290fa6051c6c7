// Ranking a sweep's settings for rerun_best: on a real SQLite file written by
// the store: a run's score is the mean of its finite evaluations inside the
// window, a setting's the median over its seeds; diverged runs and runs
// without a value score worst, and unfinished runs are listed.
#include "query/best_settings.h"

#include <filesystem>
#include <functional>
#include <limits>

#include <gtest/gtest.h>
#include <unistd.h>

#include "config/rerun_plan.h"
#include "config/sweep_plan.h"
#include "runner/run_registration.h"
#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// 2 losses x 3 drawn settings x seeds 0 and 1; evaluations at 0, 100, 200.
const char* kSweep =
    "name: best\n"
    "data: {kind: ring8}\n"
    "train: {steps: 200}\n"
    "log: {eval_every: 100}\n"
    "sweep:\n"
    "  train.loss: [minimax, hinge]\n"
    "  train.seed: [0, 1]\n"
    "search:\n"
    "  samples: 3\n"
    "  train.lr: {loguniform: [1e-4, 1e-2]}\n"
    "rerun_best: {metric: mode_kl, window: \"100:\", top: 2, seeds: 3}\n";

// What a run stored: its status and its mode_kl at steps 0, 100 and 200.
struct Stored {
  store::RunStatus status = store::RunStatus::kDone;
  std::vector<double> values;
};

class BestSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-best-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    plan_ = plan_sweep(parse_sweep_definition(kSweep, "best.yaml"));
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  // Position in the plan of (loss 0/1, seed 0/1, sample 0..2).
  static int position(int loss, int seed, int sample) { return loss * 6 + seed * 3 + sample; }

  // Writes every run of the plan; `stored` gives each position's outcome,
  // std::nullopt leaves the run queued.
  void write(const std::function<std::optional<Stored>(int)>& stored) {
    auto store = store::ResultStore::open_for_writing(db_);
    store->register_sweep(sweep_record(plan_), run_records(plan_, std::nullopt));
    for (const auto& run : plan_.runs) {
      const auto outcome = stored(run.position);
      if (!outcome) continue;
      store->start_run(run.run_key, {});
      for (std::size_t k = 0; k < outcome->values.size(); ++k) {
        store::EvalRow row;
        row.step = static_cast<std::int64_t>(k) * 100;
        row.mode_kl = outcome->values[k];
        store->append_eval(run.run_key, row);
      }
      store::RunOutcome finish;
      finish.status = outcome->status;
      if (finish.status == store::RunStatus::kDiverged) finish.first_nonfinite_step = 150;
      store->finish_run(run.run_key, finish);
    }
  }

  SettingRanking rank(bool lower_is_better = true) {
    return rank_settings(db_, plan_, "mode_kl", lower_is_better, StepWindow{100, 1000});
  }

  fs::path db_;
  SweepPlan plan_;
};

// Sample s of loss l scores 10 * l + s + seed / 10 over steps 100 and 200;
// step 0 (outside the window) is far off and must not count.
std::optional<Stored> graded(int p) {
  const int loss = p / 6;
  const int seed = (p / 3) % 2;
  const int sample = p % 3;
  const double v = 10.0 * loss + sample + seed / 10.0;
  return Stored{store::RunStatus::kDone, {1000.0, v - 1, v + 1}};
}

TEST_F(BestSettingsTest, RanksSettingsPerLossByTheirMedianOverSeeds) {
  write(graded);
  const SettingRanking r = rank();
  EXPECT_TRUE(r.unfinished.empty());
  ASSERT_EQ(r.losses.size(), 2u);
  EXPECT_EQ(r.losses[0].loss, LossKind::kMinimax);
  EXPECT_EQ(r.losses[1].loss, LossKind::kHinge);
  for (int l = 0; l < 2; ++l) {
    ASSERT_EQ(r.losses[l].settings.size(), 3u);
    for (int s = 0; s < 3; ++s) {
      const SettingScore& setting = r.losses[l].settings[s];
      ASSERT_EQ(setting.runs.size(), 2u);  // seeds 0 and 1
      EXPECT_EQ(setting.position(), position(l, 0, s));
      EXPECT_EQ(setting.runs[1].position, position(l, 1, s));
      ASSERT_TRUE(setting.score);
      // Run means: v(seed 0) and v + 0.1; their median.
      EXPECT_NEAR(*setting.score, 10.0 * l + s + 0.05, 1e-12);
      EXPECT_EQ(setting.runs[0].evaluations, 2);
    }
  }
  EXPECT_EQ(best_positions(r, 1), (std::vector<int>{position(0, 0, 0), position(1, 0, 0)}));
  EXPECT_EQ(best_positions(r, 2), (std::vector<int>{position(0, 0, 0), position(0, 0, 1),
                                                    position(1, 0, 0), position(1, 0, 1)}));
}

TEST_F(BestSettingsTest, HigherIsBetterReversesTheOrder) {
  write(graded);
  const SettingRanking r = rank(false);
  EXPECT_EQ(best_positions(r, 1), (std::vector<int>{position(0, 0, 2), position(1, 0, 2)}));
}

TEST_F(BestSettingsTest, ADivergedRunOrANonFiniteEvaluationScoresWorst) {
  write([](int p) -> std::optional<Stored> {
    Stored s = *graded(p);
    // minimax sample 0 (the best) diverged under seed 1: with two seeds
    // its median is a missing score, so it ranks last.
    if (p == position(0, 1, 0)) s.status = store::RunStatus::kDiverged;
    // minimax sample 1, seed 0: its best values, but a NaN in the window
    // (an undefined measure), so no score; seed 1 scores 1.1; the median
    // of the two is missing.
    if (p == position(0, 0, 1)) s.values = {5, kNaN, 0.0};
    // hinge sample 2, seed 0: an infinite value in the window.
    if (p == position(1, 0, 2)) s.values = {5, 1.0, kInf};
    // A NaN outside the window (step 0) does not matter.
    if (p == position(1, 0, 1)) s.values = {kNaN, 0.5, 1.5};
    return s;
  });
  const SettingRanking r = rank();
  const auto& minimax = r.losses[0].settings;
  EXPECT_EQ(minimax[0].position(), position(0, 0, 2));
  EXPECT_NEAR(*minimax[0].score, 2.05, 1e-12);
  // The two unscored settings keep plan order after the scored one.
  EXPECT_EQ(minimax[1].position(), position(0, 0, 0));
  EXPECT_FALSE(minimax[1].score);
  EXPECT_EQ(minimax[1].unscored, 1);
  EXPECT_FALSE(minimax[1].runs[1].score);  // the diverged run
  EXPECT_EQ(minimax[1].runs[1].status, "diverged");
  EXPECT_EQ(minimax[2].position(), position(0, 0, 1));
  EXPECT_FALSE(minimax[2].score);
  EXPECT_FALSE(minimax[2].runs[0].score);
  EXPECT_EQ(minimax[2].runs[0].evaluations, 1);  // the 0 seen, the NaN not
  const auto& hinge = r.losses[1].settings;
  EXPECT_EQ(hinge[0].position(), position(1, 0, 1));
  EXPECT_NEAR(*hinge[0].score, (1.0 + 11.1) / 2, 1e-12);
  EXPECT_EQ(hinge[1].position(), position(1, 0, 0));
  EXPECT_EQ(hinge[2].position(), position(1, 0, 2));
  EXPECT_FALSE(hinge[2].score);
  // Unscored settings are never chosen, even when top asks for them.
  EXPECT_EQ(best_positions(r, 3).size(), 3u);
}

TEST_F(BestSettingsTest, UnfinishedRunsAreListed) {
  write([](int p) -> std::optional<Stored> {
    if (p == position(1, 1, 2)) return std::nullopt;  // still queued
    Stored s = *graded(p);
    if (p == position(0, 0, 0)) s.status = store::RunStatus::kFailed;
    return s;
  });
  const SettingRanking r = rank();
  EXPECT_EQ(r.unfinished, (std::vector<std::string>{plan_.runs[position(0, 0, 0)].run_key,
                                                    plan_.runs[position(1, 1, 2)].run_key}));
  // Meanwhile a setting is judged by its finished runs: minimax sample 0
  // by seed 1 alone (0.1), hinge sample 2 by seed 0 alone (12).
  const auto& minimax = r.losses[0].settings;
  EXPECT_EQ(minimax[0].position(), position(0, 0, 0));
  EXPECT_NEAR(*minimax[0].score, 0.1, 1e-12);
  EXPECT_EQ(minimax[0].unscored, 0);
  const auto& hinge = r.losses[1].settings;
  EXPECT_EQ(hinge[2].position(), position(1, 0, 2));
  EXPECT_NEAR(*hinge[2].score, 12.0, 1e-12);
}

TEST_F(BestSettingsTest, RerunsOfTheChosenSettingsAreScoredTheSameWay) {
  write(graded);
  const SweepPlan reruns = plan_reruns(plan_, best_positions(rank(), 1));
  ASSERT_EQ(reruns.runs.size(), 6u);  // 2 losses x 3 fresh seeds
  EXPECT_EQ(reruns.runs[0].experiment.seed, 2u);
  const SettingRanking r = rank_settings(db_, reruns, "mode_kl", true, StepWindow{100, 1000});
  // Not trained yet: every rerun is unfinished and unscored.
  EXPECT_EQ(r.unfinished.size(), 6u);
  ASSERT_EQ(r.losses.size(), 2u);
  EXPECT_EQ(r.losses[0].settings.size(), 1u);
  EXPECT_EQ(r.losses[0].settings[0].runs.size(), 3u);
  EXPECT_FALSE(r.losses[0].settings[0].score);
}

}  // namespace
}  // namespace gansweep::query
