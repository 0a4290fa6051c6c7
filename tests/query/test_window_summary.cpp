// Pooled medians over a step window: exact quantiles, groups read from the
// stored config, and non-finite values (NaN stored as NULL, +-inf) left out
// and counted rather than poisoning the statistic.
#include "query/window_summary.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

TEST(StepWindow, Parsing) {
  EXPECT_EQ(parse_step_window("0:200").begin, 0);
  EXPECT_EQ(parse_step_window("0:200").end, 200);
  EXPECT_EQ(parse_step_window(":50").end, 50);
  EXPECT_EQ(parse_step_window("100:").begin, 100);
  EXPECT_EQ(parse_step_window("100:").end, std::numeric_limits<std::int64_t>::max());
  for (const std::string bad : {"200", "a:b", "5:5", "9:3", "-1:4", "1:2:3"}) {
    EXPECT_THROW(parse_step_window(bad), std::invalid_argument) << bad;
  }
}

TEST(Quantile, LinearInterpolation) {
  EXPECT_DOUBLE_EQ(quantile_of_sorted({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({1, 2, 3, 4}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({7}, 0.75), 7);
  EXPECT_TRUE(std::isnan(quantile_of_sorted({}, 0.5)));
}

class WindowSummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-query-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    auto store = store::ResultStore::open_for_writing(db_);
    store->register_sweep({"s", "s.yaml", ""},
                          {{"a", 0, R"({"train":{"loss":"minimax"}})", {}},
                           {"b", 1, R"({"train":{"loss":"minimax"}})", {}},
                           {"c", 2, R"({"train":{"loss":"non_saturating"}})", {}}});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    // minimax: finite 1..4 in the window, plus NaN and -inf; step 10 is
    // outside the window 0:5.
    add(*store, "a", {{0, 1.0}, {1, 2.0}, {2, nan}, {10, 100.0}});
    add(*store, "b", {{0, 3.0}, {1, 4.0}, {2, -inf}});
    add(*store, "c", {{0, 10.0}, {1, inf}});
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  static void add(store::ResultStore& store, const std::string& key,
                  const std::vector<std::pair<std::int64_t, double>>& values) {
    store.start_run(key, {});
    for (const auto& [step, value] : values) {
      store::StepRow row;
      row.step = step;
      row.g_grad_norm = value;
      store.append_step(key, row);
    }
    store.finish_run(key, {});
  }

  fs::path db_;
};

TEST_F(WindowSummaryTest, NonFiniteValuesAreSkippedAndCounted) {
  const auto groups = summarize_window(db_, "g_grad_norm", "train.loss", {0, 5});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, "minimax");
  EXPECT_EQ(groups[0].runs, 2);
  EXPECT_EQ(groups[0].values, 4);
  EXPECT_EQ(groups[0].skipped, 2);
  EXPECT_DOUBLE_EQ(groups[0].median, 2.5);
  EXPECT_DOUBLE_EQ(groups[0].q25, 1.75);
  EXPECT_DOUBLE_EQ(groups[0].q75, 3.25);
  EXPECT_EQ(groups[1].group, "non_saturating");
  EXPECT_EQ(groups[1].values, 1);
  EXPECT_EQ(groups[1].skipped, 1);
  EXPECT_DOUBLE_EQ(groups[1].median, 10.0);
}

TEST_F(WindowSummaryTest, WindowIsHalfOpen) {
  const auto groups = summarize_window(db_, "g_grad_norm", "train.loss", {1, 10});
  EXPECT_EQ(groups[0].values, 2);  // steps 1 and 2 of a and b; 2 is non-finite in both
  EXPECT_DOUBLE_EQ(groups[0].median, 3.0);
}

TEST_F(WindowSummaryTest, UnknownMetricIsRefused) {
  try {
    summarize_window(db_, "g_loss; DROP TABLE runs", "train.loss", {0, 5});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown metric"), std::string::npos);
  }
}

}  // namespace
}  // namespace gansweep::query
