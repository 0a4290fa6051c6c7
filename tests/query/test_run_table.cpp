// Listing, filtering and ranking runs (handed case c09): a non-finite value
// never satisfies a numeric filter unless asked for, and a run that did not
// finish never ranks first, in either direction.
#include "query/run_table.h"

#include <filesystem>
#include <limits>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNan = std::numeric_limits<double>::quiet_NaN();

class RunTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-runs-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    auto store = store::ResultStore::open_for_writing(db_);
    const auto config = [](const char* loss, double lr) {
      return std::string(R"({"train":{"loss":")") + loss + R"(","lr":)" + std::to_string(lr) +
             R"(},"data":{"path":"/x"}})";
    };
    store->register_sweep({"s", "s.yaml", ""}, {{"good", 0, config("minimax", 1e-4), {}},
                                                {"better", 1, config("minimax", 1e-3), {}},
                                                {"nan", 2, config("non_saturating", 1e-4), {}},
                                                {"neg_inf", 3, config("non_saturating", 1e-3), {}},
                                                {"pos_inf", 4, config("hinge", 1e-3), {}}});
    finish(*store, "good", 0.5, store::RunStatus::kDone);
    finish(*store, "better", 0.2, store::RunStatus::kDone);
    finish(*store, "nan", kNan, store::RunStatus::kDiverged);
    finish(*store, "neg_inf", -kInf, store::RunStatus::kDiverged);
    finish(*store, "pos_inf", kInf, store::RunStatus::kDiverged);
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  static void finish(store::ResultStore& store, const std::string& key, double g_loss,
                     store::RunStatus status) {
    store.start_run(key, {});
    store::StepRow row;
    row.step = 7;
    row.g_loss = g_loss;
    row.g_grad_norm = g_loss;
    store.append_step(key, row);
    store::RunOutcome outcome;
    outcome.status = status;
    if (status == store::RunStatus::kDiverged) outcome.first_nonfinite_step = 7;
    outcome.steps_done = 8;
    store.finish_run(key, outcome);
  }

  std::vector<std::string> keys(const RunQuery& query) {
    std::vector<std::string> out;
    for (const auto& row : query_runs(db_, query).rows) out.push_back(row.run_key);
    return out;
  }

  static RunQuery where(const std::vector<std::string>& filters) {
    RunQuery q;
    for (const auto& f : filters) q.filters.push_back(parse_run_filter(f));
    return q;
  }

  fs::path db_;
};

TEST_F(RunTableTest, NonFiniteValuesNeverPassANumericFilter) {
  // -inf is "below 0.1" in plain SQL; here it is not.
  EXPECT_EQ(keys(where({"g_loss<0.1"})), std::vector<std::string>{});
  EXPECT_EQ(keys(where({"g_loss<0.3"})), std::vector<std::string>{"better"});
  EXPECT_EQ(keys(where({"g_grad_norm>0"})), (std::vector<std::string>{"good", "better"}));
  EXPECT_EQ(keys(where({"g_loss!=0.5"})), std::vector<std::string>{"better"});
}

TEST_F(RunTableTest, InfinitiesPassWhenAskedForAndNaNNever) {
  RunQuery q = where({"g_loss<0.1"});
  q.include_nonfinite = true;
  EXPECT_EQ(keys(q), std::vector<std::string>{"neg_inf"});
  q = where({"g_loss>0"});
  q.include_nonfinite = true;
  EXPECT_EQ(keys(q), (std::vector<std::string>{"good", "better", "pos_inf"}));
}

TEST_F(RunTableTest, DivergedRunsNeverRankFirstInEitherDirection) {
  RunQuery q;
  q.sort_by = resolve_run_field("g_loss");
  const auto ascending = keys(q);
  EXPECT_EQ(std::vector<std::string>(ascending.begin(), ascending.begin() + 2),
            (std::vector<std::string>{"better", "good"}));
  q.descending = true;
  const auto descending = keys(q);
  EXPECT_EQ(std::vector<std::string>(descending.begin(), descending.begin() + 2),
            (std::vector<std::string>{"good", "better"}));
}

TEST_F(RunTableTest, TextAndMetadataSortsKeepUnfinishedRunsLast) {
  for (const char* field : {"loss", "status", "run_key", "sweep", "device", "attempts"}) {
    for (const bool descending : {false, true}) {
      RunQuery q;
      q.sort_by = resolve_run_field(field);
      q.descending = descending;
      const auto order = keys(q);
      ASSERT_EQ(order.size(), 5u) << field;
      EXPECT_TRUE((order[0] == "good" || order[0] == "better")) << field << " " << order[0];
    }
  }
  RunQuery q;
  q.sort_by = resolve_run_field("run_key");
  const auto by_key = keys(q);
  EXPECT_EQ(std::vector<std::string>(by_key.begin(), by_key.begin() + 2),
            (std::vector<std::string>{"better", "good"}));
}

TEST(RunTableNulls, ANullSettingIsMissingNotTheTextNull) {
  const fs::path db = fs::temp_directory_path() / ("gansweep-null-" + std::to_string(getpid()));
  fs::remove(db);
  {
    auto store = store::ResultStore::open_for_writing(db);
    store->register_sweep({"s", "s.yaml", ""},
                          {{"a", 0, R"({"train":{"lr":null,"lr_g":0.001}})", {}},
                           {"b", 1, R"({"train":{"lr":0.002,"lr_g":0.002}})", {}}});
  }
  const RunTable table = query_runs(db, {});
  EXPECT_EQ(table.rows[0].fields.at("train.lr").kind, Cell::Kind::kMissing);
  EXPECT_EQ(table.rows[0].fields.at("train.lr").display(), "");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

TEST_F(RunTableTest, CellsSayWhatWasStored) {
  const RunTable table = query_runs(db_, {});
  ASSERT_EQ(table.rows.size(), 5u);
  EXPECT_EQ(table.rows[2].run_key, "nan");
  EXPECT_EQ(table.rows[2].status, "diverged");
  EXPECT_EQ(table.rows[2].fields.at("g_loss").display(), "nan");
  EXPECT_EQ(table.rows[3].fields.at("g_loss").display(), "-inf");
  EXPECT_EQ(table.rows[4].fields.at("g_loss").display(), "inf");
  EXPECT_EQ(table.rows[0].fields.at("first_nonfinite_step").display(), "");
  EXPECT_EQ(table.rows[2].fields.at("first_nonfinite_step").display(), "7");
  // The settings that differ between runs are listed; the data path is not.
  EXPECT_EQ(table.settings, (std::vector<std::string>{"train.loss", "train.lr"}));
}

TEST_F(RunTableTest, SettingFiltersUseShortNamesAndNumbers) {
  EXPECT_EQ(keys(where({"loss=minimax", "lr<1e-3"})), std::vector<std::string>{"good"});
  EXPECT_EQ(keys(where({"train.lr=1e-3"})),
            (std::vector<std::string>{"better", "neg_inf", "pos_inf"}));
  EXPECT_EQ(keys(where({"status=diverged", "loss!=hinge"})),
            (std::vector<std::string>{"nan", "neg_inf"}));
}

TEST(RunFilter, Errors) {
  const auto message = [](const std::string& text) {
    try {
      parse_run_filter(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("loss minimax").find("has no operator"), std::string::npos);
  EXPECT_NE(message("lr<abc").find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(message("loss<minimax").find("takes only = or !="), std::string::npos);
  EXPECT_NE(message("kind=mlp").find("ambiguous"), std::string::npos);
  EXPECT_NE(message("colour=red").find("unknown field 'colour'"), std::string::npos);
  EXPECT_NE(message("lr=").find("no value"), std::string::npos);
  // An injection attempt is only ever a value, bound as a parameter.
  EXPECT_EQ(std::get<std::string>(parse_run_filter("loss=x' OR 1=1 --").value), "x' OR 1=1 --");
}

}  // namespace
}  // namespace gansweep::query

namespace gansweep::query {
namespace {

// A setting a run does not read holds only its default in config_json; the
// listing leaves it out for that run instead of showing the default as if
// it were the run's value.
TEST(RunTableSettings, ASettingARunDoesNotReadIsLeftOutForIt) {
  const fs::path db =
      fs::temp_directory_path() / ("gansweep-unread-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  {
    auto store = store::ResultStore::open_for_writing(db);
    const auto config = [](const char* loss, double lambda) {
      return std::string(R"({"model":{"kind":"mlp","hidden":16,"width":64},)") +
             R"("train":{"loss":")" + loss + R"(","gp_lambda":)" + std::to_string(lambda) + "}}";
    };
    store->register_sweep({"s", "s.yaml", ""}, {{"mm", 0, config("minimax", 10), {}},
                                                {"gp", 1, config("wasserstein_gp", 3), {}}});
  }
  const RunTable table = query_runs(db, {});
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.settings, (std::vector<std::string>{"train.gp_lambda", "train.loss"}));
  EXPECT_EQ(table.rows[0].fields.count("train.gp_lambda"), 0u);
  EXPECT_EQ(table.rows[1].fields.at("train.gp_lambda").display(), "3");
  // An MLP's width (a DCGAN key) is never listed; its hidden size is.
  EXPECT_EQ(table.rows[0].fields.count("model.width"), 0u);
  EXPECT_EQ(table.rows[0].fields.at("model.hidden").display(), "16");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

}  // namespace
}  // namespace gansweep::query

namespace gansweep::query {
namespace {

// c09 for the run record's own fields: --sort first_nonfinite_step,
// train_seconds or attempts is applied, and a diverged run listed first
// still never ranks ahead of a done one.
TEST(RunTableSort, RunRecordFieldsSortAndDivergedRunsFollowDoneOnes) {
  const fs::path db =
      fs::temp_directory_path() / ("gansweep-sort-record-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  {
    auto store = store::ResultStore::open_for_writing(db);
    store->register_sweep({"s", "s.yaml", ""}, {{"d5", 0, R"({"train":{}})", {}},
                                                {"ok3", 1, R"({"train":{}})", {}},
                                                {"d2", 2, R"({"train":{}})", {}},
                                                {"ok1", 3, R"({"train":{}})", {}}});
    for (const auto& [key, seconds, diverged_at] :
         std::vector<std::tuple<std::string, double, int>>{
             {"d5", 9.0, 5}, {"ok3", 3.0, -1}, {"d2", 8.0, 2}, {"ok1", 1.0, -1}}) {
      store->start_run(key, {});
      store::RunOutcome outcome;
      outcome.train_seconds = seconds;
      if (diverged_at >= 0) {
        outcome.status = store::RunStatus::kDiverged;
        outcome.first_nonfinite_step = diverged_at;
      }
      store->finish_run(key, outcome);
    }
  }
  const auto order = [&](const std::string& field, bool descending) {
    RunQuery q;
    q.sort_by = resolve_run_field(field);
    q.descending = descending;
    std::vector<std::string> keys;
    for (const auto& row : query_runs(db, q).rows) keys.push_back(row.run_key);
    return keys;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(order("first_nonfinite_step", false), (Keys{"ok3", "ok1", "d2", "d5"}));
  EXPECT_EQ(order("first_nonfinite_step", true), (Keys{"ok3", "ok1", "d5", "d2"}));
  EXPECT_EQ(order("train_seconds", false), (Keys{"ok1", "ok3", "d2", "d5"}));
  EXPECT_EQ(order("train_seconds", true), (Keys{"ok3", "ok1", "d5", "d2"}));
  EXPECT_EQ(order("attempts", false), (Keys{"ok3", "ok1", "d5", "d2"}));
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

}  // namespace
}  // namespace gansweep::query
