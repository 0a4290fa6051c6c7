// A phase's value is a setting like any other for the queries: filters,
// the settings that tell runs apart, and summaries grouped by it, read from
// the list of phases in each run's config_json.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "query/run_filter.h"
#include "query/run_table.h"
#include "query/window_summary.h"
#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

class PhaseSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-phases-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    auto store = store::ResultStore::open_for_writing(db_);
    // Freezing G after 10 or 25 steps, as config_json holds it.
    const auto config = [](int freeze_after) {
      return R"({"train":{"loss":"minimax","steps":)" + std::to_string(freeze_after + 40) +
             R"(,"phases":[{"d_steps":1,"fresh_discriminator":false,"g_steps":1,"steps":)" +
             std::to_string(freeze_after) +
             R"(},{"d_steps":1,"fresh_discriminator":true,"g_steps":0,"steps":40}]}})";
    };
    store->register_sweep({"s", "s.yaml", ""},
                          {{"early", 0, config(10), {}}, {"late", 1, config(25), {}}});
    for (const auto& [key, g_grad_norm] : {std::pair{"early", 0.5}, std::pair{"late", 2.0}}) {
      store->start_run(key, {});
      store::StepRow row;
      row.step = 3;
      row.g_grad_norm = g_grad_norm;
      store->append_step(key, row);
      store::RunOutcome outcome;
      outcome.steps_done = 4;
      store->finish_run(key, outcome);
    }
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  fs::path db_;
};

TEST_F(PhaseSettingsTest, FilterBySettingOfAPhase) {
  const RunField field = resolve_run_field("train.phases.0.steps");
  EXPECT_EQ(field.kind, RunField::Kind::kSetting);
  EXPECT_TRUE(field.numeric);
  RunQuery query;
  query.filters.push_back(parse_run_filter("train.phases.0.steps>20"));
  const RunTable table = query_runs(db_, query);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].run_key, "late");
}

TEST_F(PhaseSettingsTest, PhasesAreSettingsThatTellRunsApart) {
  const RunTable table = query_runs(db_, {});
  EXPECT_EQ(table.settings, (std::vector<std::string>{"train.phases.0.steps", "train.steps"}));
}

TEST_F(PhaseSettingsTest, SummaryGroupedBySettingOfAPhase) {
  const auto groups = summarize_window(db_, "g_grad_norm", "train.phases.0.steps", {0, 10}, "");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, "10");
  EXPECT_EQ(groups[0].median, 0.5);
  EXPECT_EQ(groups[1].group, "25");
  EXPECT_EQ(groups[1].median, 2.0);
}

}  // namespace
}  // namespace gansweep::query
