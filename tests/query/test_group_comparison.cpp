// Groups across seeds: per-run window medians, group medians and quartiles,
// skipped non-finite values, and bootstrap intervals that pair runs by seed
// when they can.
#include "query/group_comparison.h"

#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

// Three seeds under each loss; non_saturating is minimax plus 10, seed by seed.
const std::vector<std::tuple<std::string, int, double>> kSameSeeds{
    {"minimax", 0, 1.0},         {"minimax", 1, 2.0},         {"minimax", 2, 3.0},
    {"non_saturating", 0, 11.0}, {"non_saturating", 1, 12.0}, {"non_saturating", 2, 13.0}};

class GroupComparisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-groups-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  // Runs (loss, seed) whose g_grad_norm is `value` at steps 0..9, with one
  // NaN at step 3 for the minimax run of seed 0.
  void write(const std::vector<std::tuple<std::string, int, double>>& runs) {
    auto store = store::ResultStore::open_for_writing(db_);
    std::vector<store::RunRecord> records;
    for (const auto& [loss, seed, value] : runs) {
      records.push_back(
          {loss + std::to_string(seed),
           static_cast<int>(records.size()),
           R"({"train":{"loss":")" + loss + R"(","seed":)" + std::to_string(seed) + "}}",
           {}});
    }
    store->register_sweep({"s", "s.yaml", ""}, records);
    for (const auto& [loss, seed, value] : runs) {
      const std::string key = loss + std::to_string(seed);
      store->start_run(key, {});
      for (int step = 0; step < 10; ++step) {
        store::StepRow row;
        row.step = step;
        row.g_grad_norm = (loss == "minimax" && seed == 0 && step == 3)
                              ? std::numeric_limits<double>::quiet_NaN()
                              : value;
        row.dg_dlogit = value / 10;
        store->append_step(key, row);
      }
      store->finish_run(key, {});
    }
  }

  GroupComparison compare(StepWindow window = {0, 10}) {
    return compare_groups(db_, query_runs(db_, {}), {"train.loss"}, window,
                          {"g_grad_norm", "dg_dlogit"}, 500);
  }

  fs::path db_;
};

TEST_F(GroupComparisonTest, GroupMediansOfRunMedians) {
  write(kSameSeeds);
  const GroupComparison c = compare();
  ASSERT_EQ(c.groups.size(), 2u);
  EXPECT_EQ(c.groups[0].key, std::vector<std::string>{"minimax"});
  EXPECT_EQ(c.groups[0].runs, 3);
  EXPECT_DOUBLE_EQ(c.groups[0].metrics[0].median, 2.0);
  EXPECT_DOUBLE_EQ(c.groups[0].metrics[0].q25, 1.5);
  EXPECT_DOUBLE_EQ(c.groups[0].metrics[0].q75, 2.5);
  EXPECT_EQ(c.groups[0].metrics[0].skipped_values, 1);  // the NaN
  EXPECT_DOUBLE_EQ(c.groups[1].metrics[0].median, 12.0);
  EXPECT_EQ(c.groups[1].metrics[0].skipped_values, 0);
}

TEST_F(GroupComparisonTest, RunsSharingSeedsArePaired) {
  write(kSameSeeds);
  const GroupComparison c = compare();
  ASSERT_EQ(c.differences.size(), 2u);
  const GroupDifference& d = c.differences[0];
  EXPECT_EQ(d.metric, "g_grad_norm");
  EXPECT_TRUE(d.paired);
  EXPECT_EQ(d.pairs_or_runs, 3);
  EXPECT_DOUBLE_EQ(d.difference, 10.0);
  // Every pair differs by exactly 10, so every paired resample does too:
  // pairing removes the between-seed spread entirely.
  EXPECT_DOUBLE_EQ(d.ci_low, 10.0);
  EXPECT_DOUBLE_EQ(d.ci_high, 10.0);
  // The same database gives the same interval.
  EXPECT_EQ(compare().differences[1].ci_low, c.differences[1].ci_low);
}

TEST_F(GroupComparisonTest, DifferentSeedsAreNotPaired) {
  write({{"minimax", 0, 1.0},
         {"minimax", 1, 2.0},
         {"minimax", 2, 3.0},
         {"non_saturating", 5, 11.0},
         {"non_saturating", 6, 12.0},
         {"non_saturating", 7, 13.0}});
  const GroupDifference& d = compare().differences[0];
  EXPECT_FALSE(d.paired);
  EXPECT_EQ(d.pairs_or_runs, 6);
  EXPECT_DOUBLE_EQ(d.difference, 10.0);
  EXPECT_LT(d.ci_low, 10.0);  // unpaired resampling sees the seeds' spread
  EXPECT_GT(d.ci_high, 10.0);
  EXPECT_GE(d.ci_low, 8.0);
  EXPECT_LE(d.ci_high, 12.0);
}

// Runs that differ in train.lr also differ in the effective rates lr_g and
// lr_d stored beside it; grouping by lr must still pair them by seed, and
// the listing shows lr once.
TEST_F(GroupComparisonTest, GroupsByLearningRatePairBySeedDespiteTheEffectiveRates) {
  {
    auto store = store::ResultStore::open_for_writing(db_);
    std::vector<store::RunRecord> records;
    for (const char* lr : {"0.001", "0.002"}) {
      for (int seed = 0; seed < 3; ++seed) {
        records.push_back({std::string(lr) + "/" + std::to_string(seed),
                           static_cast<int>(records.size()),
                           fmt::format(R"({{"train":{{"loss":"minimax","lr":{0},"lr_g":{0},)"
                                       R"("lr_d":{0},"seed":{1}}}}})",
                                       lr, seed),
                           {}});
      }
    }
    store->register_sweep({"s", "s.yaml", ""}, records);
    for (const auto& record : records) {
      store->start_run(record.run_key, {});
      for (int step = 0; step < 10; ++step) {
        store::StepRow row;
        row.step = step;
        // Seed spread 0, 5, 10; the higher rate adds exactly 1.
        row.g_grad_norm = 5.0 * (record.run_key.back() - '0') + (record.run_key[4] == '2');
        row.dg_dlogit = 1;
        store->append_step(record.run_key, row);
      }
      store->finish_run(record.run_key, {});
    }
  }
  const RunTable runs = query_runs(db_, {});
  EXPECT_EQ(runs.settings, (std::vector<std::string>{"train.lr", "train.seed"}));
  const GroupComparison c = compare_groups(db_, runs, {"train.lr"}, {0, 10}, {"g_grad_norm"}, 500);
  ASSERT_EQ(c.differences.size(), 1u);
  EXPECT_TRUE(c.differences[0].paired);
  EXPECT_EQ(c.differences[0].pairs_or_runs, 3);
  EXPECT_DOUBLE_EQ(c.differences[0].ci_low, 1.0);
  EXPECT_DOUBLE_EQ(c.differences[0].ci_high, 1.0);
}

TEST_F(GroupComparisonTest, UnknownMetricIsRefused) {
  write({{"minimax", 0, 1.0}});
  EXPECT_THROW(compare_groups(db_, query_runs(db_, {}), {"train.loss"}, {0, 10}, {"bogus"}),
               std::invalid_argument);
}

}  // namespace
}  // namespace gansweep::query
