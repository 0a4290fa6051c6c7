// Tests of ResultStore against real SQLite files: schema creation and the
// refusal of foreign files, sweep registration, run bookkeeping, buffered row
// writing, and what a kill -9 leaves behind. Results are read back with the
// sqlite3 C API, as any other tool reading the file would.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/result_store.h"
#include "store/schema.h"
#include "store/step_columns.h"
#include "store_test_util.h"

namespace gansweep::store {
namespace {

using testing::RawDb;
using testing::TempDirTest;
using namespace std::chrono_literals;

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNan = std::nan("");

RunRecord make_run(const std::string& key, int position,
                   std::vector<std::pair<std::string, ColumnValue>> swept = {}) {
  RunRecord run;
  run.run_key = key;
  run.position = position;
  run.config_json = R"({"run":")" + key + R"("})";
  run.swept = std::move(swept);
  return run;
}

SweepRecord make_sweep(const std::string& name) {
  return {name, "experiments/" + name + ".yaml", "name: " + name + "\n"};
}

StepRow make_step(std::int64_t step) {
  StepRow row;
  row.step = step;
  row.d_loss = 1.0 + step;
  row.g_loss = 2.0 + step;
  row.g_grad_norm = 0.5;
  row.d_grad_norm = 0.25;
  row.d_real = 0.75;
  row.d_fake = 0.125;
  row.d_real_logit = 3.0;
  row.d_fake_logit = -3.0;
  row.dg_dp = -1.5;
  row.dg_dlogit = -0.5;
  row.wall_ms = 12.5;
  return row;
}

RunEnvironment make_env() {
  RunEnvironment env;
  env.device = "cpu";
  env.threads = 4;
  env.torch_version = "1.13.0";
  env.host = "box1";
  env.git_commit = "abc123-dirty";
  env.pid = 4242;
  return env;
}

const std::regex kIsoUtc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");

class ResultStoreTest : public TempDirTest {
 protected:
  std::filesystem::path db_path() const { return dir_ / "results.db"; }

  // A store with sweep "s1" of runs r1 and r2 registered.
  std::unique_ptr<ResultStore> open_with_two_runs() {
    auto store = ResultStore::open_for_writing(db_path());
    store->register_sweep(make_sweep("s1"), {make_run("r1", 0), make_run("r2", 1)});
    return store;
  }

  // Opening for writing and opening read-only both refuse the file with
  // exactly this message.
  void expect_refused_both_ways(const std::string& expected) {
    try {
      ResultStore::open_for_writing(db_path());
      ADD_FAILURE() << "opened for writing";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
    try {
      ResultStore::open_read_only(db_path());
      ADD_FAILURE() << "opened read-only";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }

  // Every row of a table as one string per row, in key order, for comparing
  // whole tables before and after an operation.
  std::vector<std::string> dump(const std::string& table, const std::string& order) {
    RawDb raw(db_path());
    std::vector<std::string> columns =
        raw.texts("SELECT name FROM pragma_table_info('" + table + "')");
    std::string expr = "''";
    for (const auto& c : columns) expr += " || '|' || quote(\"" + c + "\")";
    return raw.texts("SELECT " + expr + " FROM " + table + " ORDER BY " + order);
  }
};

// An evaluation of toy data: modes covered, high-quality fraction, mode KL.
EvalRow toy_eval(std::int64_t step, std::optional<double> modes, std::optional<double> quality,
                 std::optional<double> kl) {
  EvalRow row;
  row.step = step;
  row.modes_covered = modes;
  row.high_quality_fraction = quality;
  row.mode_kl = kl;
  return row;
}

// --- Schema and opening -----------------------------------------------------

TEST_F(ResultStoreTest, CreatesTheCurrentSchemaInWalMode) {
  auto store = ResultStore::open_for_writing(db_path());
  EXPECT_EQ(store->path(), db_path());
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("PRAGMA user_version"), schema::kCurrentVersion);
  EXPECT_GE(schema::kCurrentVersion, 2);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.texts("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            std::vector<std::string>({"evals", "layer_grads", "runs", "samples", "steps",
                                      "sweep_runs", "sweep_versions", "sweeps"}));
  EXPECT_EQ(raw.texts("SELECT name FROM pragma_table_info('runs')"), schema::runs_fixed_columns());
  EXPECT_EQ(
      raw.texts("SELECT name FROM pragma_table_info('sweeps')"),
      std::vector<std::string>({"name", "file_path", "file_text", "created_at", "updated_at"}));
}

TEST_F(ResultStoreTest, RollbackJournalLeavesNoWalFilesAndKeepsEveryRow) {
  {
    auto store = ResultStore::open_for_writing(db_path(), JournalMode::kRollback);
    store->register_sweep(make_sweep("s1"), {make_run("r1", 0)});
    store->start_run("r1", make_env());
    for (int step = 0; step < 50; ++step) store->append_step("r1", make_step(step));
    store->finish_run("r1", RunOutcome{RunStatus::kDone, std::nullopt, "", 50, 1.0});
    // While the store is open, too: no shared-memory index exists at all.
    EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-wal"));
    EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-shm"));
  }
  EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-journal"));
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 50);
  EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r1'"), "done");
}

TEST_F(ResultStoreTest, JournalModeFollowsEachOpen) {
  // A shard written with a rollback journal becomes a WAL database when it is
  // opened with the default, and back again.
  ResultStore::open_for_writing(db_path(), JournalMode::kRollback);
  EXPECT_EQ(RawDb(db_path()).text("PRAGMA journal_mode"), "delete");
  ResultStore::open_for_writing(db_path());
  EXPECT_EQ(RawDb(db_path()).text("PRAGMA journal_mode"), "wal");
  ResultStore::open_for_writing(db_path(), JournalMode::kRollback);
  EXPECT_EQ(RawDb(db_path()).text("PRAGMA journal_mode"), "delete");
  EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-wal"));
  // A rollback-journal file is read like any other.
  auto reader = ResultStore::open_read_only(db_path());
  EXPECT_TRUE(reader->sweep_summaries().empty());
}

TEST(JournalModeTest, NamesAreSqlitesModes) {
  EXPECT_EQ(to_string(JournalMode::kWal), "wal");
  EXPECT_EQ(to_string(JournalMode::kRollback), "delete");
  EXPECT_EQ(parse_journal_mode("wal"), JournalMode::kWal);
  EXPECT_EQ(parse_journal_mode("delete"), JournalMode::kRollback);
  try {
    parse_journal_mode("truncate");
    ADD_FAILURE() << "parsed truncate";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "unknown journal mode 'truncate' (wal or delete)");
  }
}

TEST_F(ResultStoreTest, StepColumnsFollowTheNanMaskBitOrder) {
  auto store = ResultStore::open_for_writing(db_path());
  RawDb raw(db_path());
  std::vector<std::string> expected = {"run_key", "step"};
  for (auto name : kStepMetricColumns) expected.emplace_back(name);
  expected.emplace_back("nan_mask");
  EXPECT_EQ(raw.texts("SELECT name FROM pragma_table_info('steps')"), expected);
  EXPECT_EQ(kStepMetricColumns[kStepGLoss], "g_loss");
  EXPECT_EQ(kStepMetricColumns[kStepWallMs], "wall_ms");
  EXPECT_EQ(kStepMetricColumns[kStepDgDlogit], "dg_dlogit");
}

TEST_F(ResultStoreTest, ReopeningKeepsDataAndVersion) {
  open_with_two_runs().reset();
  auto store = ResultStore::open_for_writing(db_path());
  EXPECT_EQ(store->run_summaries().size(), 2u);
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("PRAGMA user_version"), schema::kCurrentVersion);
}

TEST_F(ResultStoreTest, MissingDirectoryIsReportedNotCreated) {
  const auto path = dir_ / "no" / "such" / "x.db";
  try {
    ResultStore::open_for_writing(path);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() +
                                         ": cannot open database: unable to open database file "
                                         "(directory " +
                                         (dir_ / "no" / "such").string() + " does not exist)");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "no"));
}

TEST_F(ResultStoreTest, GarbageFileIsRefusedAndLeftAlone) {
  const std::string garbage(4096, 'x');
  std::ofstream(db_path(), std::ios::binary) << garbage;
  const std::string expected = db_path().string() +
                               ": not a gansweep result database (not even SQLite): "
                               "file is not a database";
  expect_refused_both_ways(expected);
  std::ifstream in(db_path(), std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);
  EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-wal"));
}

TEST_F(ResultStoreTest, NewerSchemaVersionIsRefused) {
  {
    RawDb raw(db_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.exec(
        "CREATE TABLE runs (run_key TEXT); CREATE TABLE steps (run_key TEXT);"
        "PRAGMA user_version = 99");
  }
  const std::string expected = db_path().string() +
                               ": database schema version 99 is newer than this build of gansweep "
                               "supports (version " +
                               std::to_string(schema::kCurrentVersion) + "); use a newer gansweep";
  expect_refused_both_ways(expected);
  // Refused before anything was changed: still in rollback-journal mode.
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(raw.integer("PRAGMA user_version"), 99);
}

TEST_F(ResultStoreTest, ForeignSqliteDatabaseIsRefused) {
  {
    RawDb raw(db_path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    raw.exec("CREATE TABLE invoices (id INTEGER); CREATE TABLE customers (id INTEGER)");
  }
  const std::string expected = db_path().string() +
                               ": not a gansweep result database (it has tables customers, "
                               "invoices but no runs or steps table; schema version 0)";
  expect_refused_both_ways(expected);
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master"), 2);
}

TEST_F(ResultStoreTest, EmptyExistingFileBecomesAStore) {
  std::ofstream(db_path()).close();  // a zero-byte file is an empty database
  auto store = ResultStore::open_for_writing(db_path());
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("PRAGMA user_version"), schema::kCurrentVersion);
}

TEST_F(ResultStoreTest, ReadOnlyOpenOfMissingFileFailsWithoutCreatingIt) {
  try {
    ResultStore::open_read_only(db_path());
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path().string() + ": no such database file");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(ResultStoreTest, ReadOnlyOpenOfEmptyFileIsRefused) {
  std::ofstream(db_path()).close();
  try {
    ResultStore::open_read_only(db_path());
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              db_path().string() + ": empty database (no gansweep results recorded yet)");
  }
  EXPECT_EQ(std::filesystem::file_size(db_path()), 0u);
}

TEST_F(ResultStoreTest, ReadOnlyStoreReadsAndRefusesWrites) {
  auto writer = open_with_two_runs();
  auto reader = ResultStore::open_read_only(db_path());
  ASSERT_EQ(reader->run_summaries().size(), 2u);
  EXPECT_EQ(reader->run_statuses("s1").at("r2"), RunStatus::kQueued);
  ASSERT_EQ(reader->sweep_summaries().size(), 1u);

  const std::string prefix = db_path().string() + ": opened read-only; cannot ";
  auto expect_refused = [&](auto&& call, const std::string& action) {
    try {
      call();
      ADD_FAILURE() << "a read-only store allowed: " << action;
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()), prefix + action);
    }
  };
  expect_refused([&] { reader->register_sweep(make_sweep("s2"), {make_run("r3", 0)}); },
                 "register a sweep");
  expect_refused([&] { reader->start_run("r1", make_env()); }, "start a run");
  expect_refused([&] { reader->append_step("r1", make_step(0)); }, "record steps");
  expect_refused([&] { reader->append_eval("r1", EvalRow{}); }, "record evaluations");
  expect_refused([&] { reader->append_layer_grads("r1", {LayerGradRow{}}); },
                 "record layer gradients");
  expect_refused([&] { reader->append_sample("r1", SampleRow{}); }, "record samples");
  expect_refused([&] { reader->flush(); }, "write rows");
  expect_refused([&] { reader->finish_run("r1", RunOutcome{}); }, "finish a run");
  reader.reset();  // must not try to flush anything

  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sweeps"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs WHERE status = 'queued'"), 2);
}

TEST_F(ResultStoreTest, RawReadOnlyConnectionForQueries) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  StepRow row = make_step(0);
  row.g_loss = kNan;
  store->append_step("r1", row);
  store->flush();

  auto db = open_database_read_only(db_path());
  EXPECT_TRUE(db->read_only());
  Statement stmt = db->prepare("SELECT g_loss, nan_mask FROM steps WHERE run_key = ?1");
  stmt.bind_text(1, "r1");
  ASSERT_TRUE(stmt.step());
  EXPECT_TRUE(stmt.column_is_null(0));
  EXPECT_EQ(stmt.column_int64(1), nan_bit(kStepGLoss));
  EXPECT_THROW(db->exec("DELETE FROM steps"), StoreError);

  const auto missing = dir_ / "missing.db";
  try {
    open_database_read_only(missing);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), missing.string() + ": no such database file");
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(ResultStoreTest, PathsWithUriSpecialCharactersWork) {
  const auto path = dir_ / "we?ird#na%me 1.db";
  ResultStore::open_for_writing(path)->register_sweep(make_sweep("s"), {make_run("r", 0)});
  auto reader = ResultStore::open_read_only(path);
  ASSERT_EQ(reader->run_summaries().size(), 1u);
  EXPECT_EQ(reader->run_summaries()[0].run_key, "r");
  // Only the database itself: no file under a mangled name.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("we?ird#na%me 1.db", 0) != 0) names.push_back(name);
  }
  EXPECT_TRUE(names.empty()) << names[0];
}

// --- register_sweep -----------------------------------------------------------

TEST_F(ResultStoreTest, RegisterSweepRecordsSweepRunsAndLinks) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("s1"), {make_run("r1", 0), make_run("r2", 1)});
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT file_path FROM sweeps WHERE name = 's1'"), "experiments/s1.yaml");
  EXPECT_EQ(raw.text("SELECT file_text FROM sweeps WHERE name = 's1'"), "name: s1\n");
  EXPECT_TRUE(std::regex_match(raw.text("SELECT created_at FROM sweeps"), kIsoUtc));
  EXPECT_TRUE(std::regex_match(raw.text("SELECT updated_at FROM sweeps"), kIsoUtc));
  EXPECT_EQ(raw.texts("SELECT run_key || ':' || sweep || ':' || position || ':' || status || "
                      "':' || attempts || ':' || steps_done FROM runs ORDER BY run_key"),
            std::vector<std::string>({"r1:s1:0:queued:0:0", "r2:s1:1:queued:0:0"}));
  EXPECT_EQ(raw.text("SELECT config_json FROM runs WHERE run_key = 'r2'"), R"({"run":"r2"})");
  EXPECT_TRUE(
      std::regex_match(raw.text("SELECT queued_at FROM runs WHERE run_key = 'r1'"), kIsoUtc));
  EXPECT_TRUE(raw.is_null("SELECT started_at FROM runs WHERE run_key = 'r1'"));
  EXPECT_EQ(raw.texts("SELECT sweep || ':' || run_key || ':' || position FROM sweep_runs "
                      "ORDER BY position"),
            std::vector<std::string>({"s1:r1:0", "s1:r2:1"}));
}

TEST_F(ResultStoreTest, RegisterSweepTwiceFromTheSameFileChangesNothing) {
  auto store = ResultStore::open_for_writing(db_path());
  const std::vector<RunRecord> runs = {make_run("r1", 0, {{"train_lr", 1e-4}}),
                                       make_run("r2", 1, {{"train_lr", 5e-5}})};
  store->register_sweep(make_sweep("s1"), runs);
  store->start_run("r1", make_env());
  store->finish_run("r1", RunOutcome{});
  const auto runs_before = dump("runs", "run_key");
  const auto links_before = dump("sweep_runs", "sweep, run_key");
  const std::string created_before = RawDb(db_path()).text("SELECT created_at FROM sweeps");

  const RegisterOutcome again = store->register_sweep(make_sweep("s1"), runs);
  EXPECT_FALSE(again.file_changed);
  EXPECT_EQ(dump("runs", "run_key"), runs_before);
  EXPECT_EQ(dump("sweep_runs", "sweep, run_key"), links_before);
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sweeps"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sweep_versions"), 0);
  EXPECT_EQ(raw.text("SELECT created_at FROM sweeps"), created_before);
  const auto statuses = store->run_statuses("s1");
  EXPECT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses.at("r1"), RunStatus::kDone);
  EXPECT_EQ(statuses.at("r2"), RunStatus::kQueued);
}

TEST_F(ResultStoreTest, EditedSweepFileReplacesTheSweepsRunsAndKeepsTheOldText) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("s1"), {make_run("r1", 0), make_run("r2", 1)});
  store->start_run("r1", make_env());
  store->append_step("r1", make_step(0));
  store->finish_run("r1", RunOutcome{});

  SweepRecord edited = make_sweep("s1");
  edited.file_text = "name: s1\n# edited\n";
  const RegisterOutcome outcome =
      store->register_sweep(edited, {make_run("r2", 0), make_run("r3", 1)});
  EXPECT_TRUE(outcome.file_changed);
  EXPECT_EQ(outcome.runs_left_out, 1);  // r1

  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT file_text FROM sweeps"), "name: s1\n# edited\n");
  EXPECT_EQ(raw.text("SELECT file_text FROM sweep_versions WHERE sweep = 's1'"), "name: s1\n");
  EXPECT_EQ(raw.texts("SELECT run_key || ':' || position FROM sweep_runs ORDER BY position"),
            (std::vector<std::string>{"r2:0", "r3:1"}));
  // r1 left the sweep but keeps its status and rows.
  EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r1'"), "done");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 1);
  EXPECT_EQ(store->run_statuses("s1").count("r1"), 0u);
}

TEST_F(ResultStoreTest, SweptColumnsAreFilledForRunsOfOtherSweeps) {
  auto store = ResultStore::open_for_writing(db_path());
  RunRecord a = make_run("a", 0, {{"train_loss", std::string("minimax")}});
  a.config_json = R"({"train":{"loss":"minimax","lr":0.0002}})";
  store->register_sweep(make_sweep("by_loss"), {a});
  RunRecord b = make_run("b", 0, {{"train_lr", 1e-3}});
  b.config_json = R"({"train":{"loss":"non_saturating","lr":0.001}})";
  store->register_sweep(make_sweep("by_lr"), {b});

  RawDb raw(db_path());
  EXPECT_EQ(raw.texts("SELECT run_key || ' ' || train_loss || ' ' || train_lr FROM runs "
                      "ORDER BY run_key"),
            (std::vector<std::string>{"a minimax 0.0002", "b non_saturating 0.001"}));
}

TEST_F(ResultStoreTest, RegisterSweepAddsTypedSweptColumns) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("s1"),
                        {make_run("r1", 0,
                                  {{"train_lr", 1e-4},
                                   {"model_width", std::int64_t{64}},
                                   {"train_loss", std::string("minimax")}}),
                         make_run("r2", 1,
                                  {{"train_lr", 5e-5},
                                   {"model_width", std::int64_t{128}},
                                   {"train_loss", std::string("non_saturating")}})});
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT type FROM pragma_table_info('runs') WHERE name = 'train_lr'"), "REAL");
  EXPECT_EQ(raw.text("SELECT type FROM pragma_table_info('runs') WHERE name = 'model_width'"),
            "INTEGER");
  EXPECT_EQ(raw.text("SELECT type FROM pragma_table_info('runs') WHERE name = 'train_loss'"),
            "TEXT");
  EXPECT_EQ(raw.real("SELECT train_lr FROM runs WHERE run_key = 'r2'"), 5e-5);
  EXPECT_EQ(raw.text("SELECT typeof(train_lr) FROM runs WHERE run_key = 'r2'"), "real");
  EXPECT_EQ(raw.integer("SELECT model_width FROM runs WHERE run_key = 'r1'"), 64);
  EXPECT_EQ(raw.text("SELECT typeof(model_width) FROM runs WHERE run_key = 'r1'"), "integer");
  EXPECT_EQ(raw.text("SELECT train_loss FROM runs WHERE run_key = 'r2'"), "non_saturating");
  // Plain SQL filtering is what the columns are for.
  EXPECT_EQ(raw.texts("SELECT run_key FROM runs WHERE train_lr < 1e-4"),
            std::vector<std::string>({"r2"}));
}

TEST_F(ResultStoreTest, MixedIntegerAndRealValuesMakeARealColumn) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("s1"), {make_run("r1", 0, {{"train_beta", std::int64_t{1}}}),
                                           make_run("r2", 1, {{"train_beta", 0.5}})});
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT type FROM pragma_table_info('runs') WHERE name = 'train_beta'"),
            "REAL");
  EXPECT_EQ(raw.real("SELECT train_beta FROM runs WHERE run_key = 'r1'"), 1.0);
  EXPECT_EQ(raw.real("SELECT train_beta FROM runs WHERE run_key = 'r2'"), 0.5);
}

TEST_F(ResultStoreTest, RunSharedWithASecondSweepKeepsStatusAndRows) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("s1"), {make_run("shared", 0, {{"train_lr", 1e-3}})});
  store->start_run("shared", make_env());
  store->append_step("shared", make_step(0));
  RunOutcome outcome;
  outcome.steps_done = 1;
  store->finish_run("shared", outcome);

  store->register_sweep(
      make_sweep("s2"),
      {make_run("fresh", 0, {{"train_lr", 2e-3}}),
       make_run("shared", 1, {{"train_lr", 9.0}, {"data_kind", std::string("ring8")}})});

  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'shared'"), "done");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'shared'"), 1);
  // The first registration's values and place stay; only empty columns fill.
  EXPECT_EQ(raw.real("SELECT train_lr FROM runs WHERE run_key = 'shared'"), 1e-3);
  EXPECT_EQ(raw.text("SELECT data_kind FROM runs WHERE run_key = 'shared'"), "ring8");
  EXPECT_EQ(raw.text("SELECT sweep || ':' || position FROM runs WHERE run_key = 'shared'"), "s1:0");
  EXPECT_EQ(raw.integer("SELECT position FROM sweep_runs WHERE sweep = 's2' AND "
                        "run_key = 'shared'"),
            1);
  const auto s2 = store->run_statuses("s2");
  EXPECT_EQ(s2.size(), 2u);
  EXPECT_EQ(s2.at("shared"), RunStatus::kDone);
  EXPECT_EQ(s2.at("fresh"), RunStatus::kQueued);
  EXPECT_EQ(store->run_statuses("s1").size(), 1u);
  EXPECT_TRUE(store->run_statuses("nope").empty());

  const auto sweeps = store->sweep_summaries();
  ASSERT_EQ(sweeps.size(), 2u);
  EXPECT_EQ(sweeps[0].name, "s1");
  EXPECT_EQ(sweeps[0].runs, 1);
  EXPECT_EQ(sweeps[1].name, "s2");
  EXPECT_EQ(sweeps[1].runs, 2);
  EXPECT_TRUE(std::regex_match(sweeps[1].created_at, kIsoUtc));
}

TEST_F(ResultStoreTest, SweptPhaseColumnsFillFromTheListOfPhases) {
  // The second sweep does not sweep phase 0's steps; its run still gets its
  // value, from the list of phases in config_json.
  auto store = ResultStore::open_for_writing(db_path());
  const auto with_phases = [](RunRecord run, int first_steps) {
    run.config_json = R"({"train":{"phases":[{"steps":)" + std::to_string(first_steps) +
                      R"(,"g_steps":1},{"steps":40,"g_steps":0}]}})";
    return run;
  };
  store->register_sweep(
      make_sweep("s1"),
      {with_phases(make_run("a", 0, {{"train_phases_0_steps", std::int64_t{10}}}), 10)});
  store->register_sweep(
      make_sweep("s2"),
      {with_phases(make_run("b", 0, {{"train_phases_1_g_steps", std::int64_t{0}}}), 25),
       make_run("plain", 1, {{"train_phases_1_g_steps", std::int64_t{1}}})});
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT train_phases_0_steps FROM runs WHERE run_key = 'b'"), 25);
  EXPECT_EQ(raw.integer("SELECT train_phases_1_g_steps FROM runs WHERE run_key = 'a'"), 0);
  // A run without phases has no value to give.
  EXPECT_EQ(raw.integer("SELECT train_phases_0_steps IS NULL FROM runs WHERE run_key = 'plain'"),
            1);
}

TEST_F(ResultStoreTest, BadSweptColumnNamesAreRefusedBeforeWriting) {
  auto store = ResultStore::open_for_writing(db_path());
  const std::vector<std::string> bad = {
      "Train_lr", "1lr", "train-lr", "", "_x", "a b", "x\"; DROP TABLE runs; --", "train.lr", "é"};
  for (const auto& name : bad) {
    try {
      store->register_sweep(make_sweep("s1"), {make_run("ok", 0, {{"train_lr", 1.0}}),
                                               make_run("r1", 1, {{name, 1.0}})});
      ADD_FAILURE() << "accepted column name '" << name << "'";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()),
                db_path().string() + ": cannot register sweep s1: swept column name '" + name +
                    "' (run r1) must be lowercase letters, digits and '_', starting with a "
                    "letter");
    }
  }
  for (const auto& name : schema::runs_fixed_columns()) {
    try {
      store->register_sweep(make_sweep("s1"), {make_run("r1", 0, {{name, 1.0}})});
      ADD_FAILURE() << "accepted fixed column name '" << name << "'";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()),
                db_path().string() + ": cannot register sweep s1: swept column name '" + name +
                    "' (run r1) is taken by a built-in column of "
                    "runs");
    }
  }
  try {
    store->register_sweep(make_sweep("s1"), {make_run("r1", 0, {{"lr", 1.0}, {"lr", 2.0}})});
    ADD_FAILURE();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path().string() +
                                         ": cannot register sweep s1: run r1 lists swept "
                                         "column 'lr' twice");
  }
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sweeps"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs"), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM pragma_table_info('runs')"),
            static_cast<std::int64_t>(schema::runs_fixed_columns().size()));
}

// --- start_run / finish_run ------------------------------------------------------

TEST_F(ResultStoreTest, StartRunDeletesEarlierRowsOfThatRunOnly) {
  auto store = open_with_two_runs();
  for (const std::string key : {"r1", "r2"}) {
    store->start_run(key, make_env());
    store->append_step(key, make_step(0));
    store->append_step(key, make_step(1));
    store->append_eval(key, toy_eval(1, 8.0, 0.9, 0.01));
    store->append_layer_grads(key, {{1, "G", "layers.0.weight", 0.5}, {1, "D", "out.bias", 2.0}});
    store->append_sample(key, SampleRow{1, {1, 2}, {0.5f, -0.5f}});
  }
  store->flush();
  store->start_run("r1", make_env());

  RawDb raw(db_path());
  for (const std::string table : {"steps", "evals", "layer_grads", "samples"}) {
    EXPECT_EQ(raw.integer("SELECT count(*) FROM " + table + " WHERE run_key = 'r1'"), 0) << table;
  }
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r2'"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM evals WHERE run_key = 'r2'"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM layer_grads WHERE run_key = 'r2'"), 2);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM samples WHERE run_key = 'r2'"), 1);
  EXPECT_EQ(raw.integer("SELECT attempts FROM runs WHERE run_key = 'r1'"), 2);
  EXPECT_EQ(raw.integer("SELECT attempts FROM runs WHERE run_key = 'r2'"), 1);
}

TEST_F(ResultStoreTest, StartRunRecordsEnvironmentAndClearsTheLastOutcome) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  RunOutcome failed;
  failed.status = RunStatus::kFailed;
  failed.error = "out of memory";
  failed.first_nonfinite_step = 3;
  failed.steps_done = 5;
  failed.train_seconds = 2.5;
  store->finish_run("r1", failed);
  store->start_run("r1", make_env());

  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT status || ':' || attempts || ':' || steps_done || ':' || device || "
                     "':' || threads || ':' || torch_version || ':' || host || ':' || "
                     "git_commit || ':' || pid FROM runs WHERE run_key = 'r1'"),
            "running:2:0:cpu:4:1.13.0:box1:abc123-dirty:4242");
  EXPECT_TRUE(
      std::regex_match(raw.text("SELECT started_at FROM runs WHERE run_key = 'r1'"), kIsoUtc));
  for (const std::string column :
       {"finished_at", "error", "first_nonfinite_step", "train_seconds"}) {
    EXPECT_TRUE(raw.is_null("SELECT " + column + " FROM runs WHERE run_key = 'r1'")) << column;
  }
}

TEST_F(ResultStoreTest, StartRunFlushesPendingRowsOfOtherRuns) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r2", make_env());
  store->append_step("r2", make_step(0));
  store->start_run("r1", make_env());
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r2'"), 1);
}

TEST_F(ResultStoreTest, StartRunOfAnUnknownRunFails) {
  auto store = open_with_two_runs();
  try {
    store->start_run("nope", make_env());
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        db_path().string() + ": cannot start run nope: no such run (its sweep was not registered)");
  }
  EXPECT_THROW(store->finish_run("nope", RunOutcome{}), StoreError);
}

TEST_F(ResultStoreTest, ARunTrainedByALiveProcessOnThisHostIsNotClaimed) {
  auto store = open_with_two_runs();
  // A child of this test program: alive, and the same program by name.
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  struct KillAtEnd {
    pid_t pid;
    ~KillAtEnd() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } kill_at_end{child};
  RunEnvironment holder = make_env();
  holder.pid = child;
  ASSERT_EQ(store->start_run("r1", holder), StartOutcome::kStarted);
  store->append_step("r1", make_step(0));
  store->flush();

  RunEnvironment other = make_env();
  other.pid = getpid();
  EXPECT_EQ(store->start_run("r1", other), StartOutcome::kBusy);
  // Nothing of the holder's was touched.
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 1);
  EXPECT_EQ(raw.integer("SELECT pid FROM runs WHERE run_key = 'r1'"), holder.pid);

  // The holder itself may claim again, and another host is not checked.
  EXPECT_EQ(store->start_run("r1", holder), StartOutcome::kStarted);
  RunEnvironment elsewhere = other;
  elsewhere.host = "box2";
  EXPECT_EQ(store->start_run("r1", elsewhere), StartOutcome::kStarted);
}

TEST_F(ResultStoreTest, APidReusedByAnotherProgramDoesNotHoldTheRun) {
  auto store = open_with_two_runs();
  RunEnvironment holder = make_env();
  holder.pid = 1;  // alive, but init, not this program
  ASSERT_EQ(store->start_run("r1", holder), StartOutcome::kStarted);
  RunEnvironment next = make_env();
  next.pid = getpid();
  EXPECT_EQ(store->start_run("r1", next), StartOutcome::kStarted);
}

TEST_F(ResultStoreTest, ARunWhoseProcessIsGoneIsClaimedAgain) {
  auto store = open_with_two_runs();
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  RunEnvironment dead = make_env();
  dead.pid = child;
  ASSERT_EQ(store->start_run("r1", dead), StartOutcome::kStarted);
  RunEnvironment next = make_env();
  next.pid = getpid();
  EXPECT_EQ(store->start_run("r1", next), StartOutcome::kStarted);
  EXPECT_EQ(RawDb(db_path()).integer("SELECT attempts FROM runs WHERE run_key = 'r1'"), 2);
}

TEST_F(ResultStoreTest, AFinishedRunIsNotClaimed) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  store->finish_run("r1", RunOutcome{});
  EXPECT_EQ(store->start_run("r1", make_env()), StartOutcome::kAlreadyFinished);
  RunOutcome diverged;
  diverged.status = RunStatus::kDiverged;
  store->start_run("r2", make_env());
  store->finish_run("r2", diverged);
  EXPECT_EQ(store->start_run("r2", make_env()), StartOutcome::kAlreadyFinished);
}

TEST_F(ResultStoreTest, FinishRunRecordsTheOutcome) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r1", make_env());
  store->append_step("r1", make_step(0));
  RunOutcome diverged;
  diverged.status = RunStatus::kDiverged;
  diverged.first_nonfinite_step = 37;
  diverged.steps_done = 40;
  diverged.train_seconds = 1.5;
  store->finish_run("r1", diverged);

  store->start_run("r2", make_env());
  RunOutcome interrupted;
  interrupted.status = RunStatus::kInterrupted;
  interrupted.error = "interrupted by SIGINT";
  interrupted.steps_done = 7;
  interrupted.train_seconds = 0.25;
  store->finish_run("r2", interrupted);

  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 1);  // flushed
  EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r1'"), "diverged");
  EXPECT_TRUE(raw.is_null("SELECT error FROM runs WHERE run_key = 'r1'"));
  EXPECT_EQ(raw.integer("SELECT first_nonfinite_step FROM runs WHERE run_key = 'r1'"), 37);
  EXPECT_EQ(raw.integer("SELECT steps_done FROM runs WHERE run_key = 'r1'"), 40);
  EXPECT_EQ(raw.real("SELECT train_seconds FROM runs WHERE run_key = 'r1'"), 1.5);
  EXPECT_TRUE(
      std::regex_match(raw.text("SELECT finished_at FROM runs WHERE run_key = 'r1'"), kIsoUtc));
  EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r2'"), "interrupted");
  EXPECT_EQ(raw.text("SELECT error FROM runs WHERE run_key = 'r2'"), "interrupted by SIGINT");
  EXPECT_TRUE(raw.is_null("SELECT first_nonfinite_step FROM runs WHERE run_key = 'r2'"));

  const auto summaries = store->run_summaries();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].run_key, "r1");
  EXPECT_EQ(summaries[0].sweep, "s1");
  EXPECT_EQ(summaries[0].position, 0);
  EXPECT_EQ(summaries[0].status, RunStatus::kDiverged);
  EXPECT_EQ(summaries[0].steps_done, 40);
  EXPECT_EQ(summaries[0].first_nonfinite_step, std::optional<std::int64_t>(37));
  EXPECT_EQ(summaries[0].error, "");
  EXPECT_EQ(summaries[0].device, "cpu");
  EXPECT_EQ(summaries[0].train_seconds, 1.5);
  EXPECT_EQ(summaries[0].pid, 4242);
  EXPECT_EQ(summaries[0].host, "box1");
  EXPECT_EQ(summaries[1].run_key, "r2");
  EXPECT_EQ(summaries[1].position, 1);
  EXPECT_EQ(summaries[1].status, RunStatus::kInterrupted);
  EXPECT_EQ(summaries[1].error, "interrupted by SIGINT");
  EXPECT_EQ(summaries[1].first_nonfinite_step, std::nullopt);
}

TEST_F(ResultStoreTest, RunSummariesAreOrderedBySweepThenPosition) {
  auto store = ResultStore::open_for_writing(db_path());
  store->register_sweep(make_sweep("b"), {make_run("b1", 1), make_run("b0", 0)});
  store->register_sweep(make_sweep("a"), {make_run("a1", 1), make_run("a0", 0)});
  std::vector<std::string> keys;
  for (const auto& s : store->run_summaries()) keys.push_back(s.run_key);
  EXPECT_EQ(keys, std::vector<std::string>({"a0", "a1", "b0", "b1"}));
  EXPECT_EQ(store->run_summaries()[0].status, RunStatus::kQueued);
  EXPECT_EQ(store->run_summaries()[0].train_seconds, 0.0);
}

// --- Row writing ------------------------------------------------------------------

TEST_F(ResultStoreTest, StepRowsRoundTripWithNanAsNullAndInfinitiesKept) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  StepRow row = make_step(5);
  row.d_loss = kNan;
  row.g_loss = -kInf;
  row.g_grad_norm = kInf;
  row.dg_dlogit = -kNan;
  row.wall_ms = kNan;
  store->append_step("r1", row);
  store->append_step("r1", make_step(6));
  store->flush();

  RawDb raw(db_path());
  const std::string where = " FROM steps WHERE run_key = 'r1' AND step = 5";
  EXPECT_TRUE(raw.is_null("SELECT d_loss" + where));
  EXPECT_TRUE(raw.is_null("SELECT dg_dlogit" + where));
  EXPECT_TRUE(raw.is_null("SELECT wall_ms" + where));
  EXPECT_EQ(raw.real("SELECT g_loss" + where), -kInf);
  EXPECT_EQ(raw.text("SELECT typeof(g_loss)" + where), "real");
  EXPECT_EQ(raw.real("SELECT g_grad_norm" + where), kInf);
  EXPECT_EQ(raw.real("SELECT d_grad_norm" + where), 0.25);
  EXPECT_EQ(raw.real("SELECT d_fake_logit" + where), -3.0);
  EXPECT_EQ(raw.integer("SELECT nan_mask" + where),
            (1 << kStepDLoss) | (1 << kStepDgDlogit) | (1 << kStepWallMs));
  EXPECT_EQ(raw.integer("SELECT nan_mask FROM steps WHERE step = 6"), 0);
  EXPECT_EQ(raw.real("SELECT d_loss FROM steps WHERE step = 6"), 7.0);
  // Each metric lands in its own column.
  const StepRow six = make_step(6);
  const auto values = step_metric_values(six);
  for (int i = 0; i < kStepMetricCount; ++i) {
    EXPECT_EQ(
        raw.real("SELECT " + std::string(kStepMetricColumns[i]) + " FROM steps WHERE step = 6"),
        values[i])
        << kStepMetricColumns[i];
  }
}

TEST_F(ResultStoreTest, EvalsAndLayerGradsStoreNanAndMissingAsNull) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  store->append_eval("r1", toy_eval(10, 7.0, kNan, std::nullopt));
  store->append_eval("r1", toy_eval(20, std::nullopt, 0.5, kInf));
  store->append_layer_grads("r1", {{10, "G", "layers.0.weight", kNan},
                                   {10, "D", "layers.0.weight", -kInf},
                                   {10, "D", "layers.0.bias", 1.25}});
  store->flush();
  RawDb raw(db_path());
  EXPECT_EQ(raw.real("SELECT modes_covered FROM evals WHERE step = 10"), 7.0);
  EXPECT_TRUE(raw.is_null("SELECT high_quality_fraction FROM evals WHERE step = 10"));
  EXPECT_TRUE(raw.is_null("SELECT mode_kl FROM evals WHERE step = 10"));
  EXPECT_TRUE(raw.is_null("SELECT modes_covered FROM evals WHERE step = 20"));
  EXPECT_EQ(raw.real("SELECT high_quality_fraction FROM evals WHERE step = 20"), 0.5);
  EXPECT_EQ(raw.real("SELECT mode_kl FROM evals WHERE step = 20"), kInf);
  EXPECT_TRUE(raw.is_null("SELECT frechet_distance FROM evals WHERE step = 20"));
  EXPECT_TRUE(raw.is_null("SELECT grad_norm FROM layer_grads WHERE net = 'G'"));
  EXPECT_EQ(raw.real("SELECT grad_norm FROM layer_grads WHERE net = 'D' AND "
                     "layer = 'layers.0.weight'"),
            -kInf);
  EXPECT_EQ(raw.real("SELECT grad_norm FROM layer_grads WHERE layer = 'layers.0.bias'"), 1.25);
}

TEST_F(ResultStoreTest, SamplesRoundTripBitExactly) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  const std::vector<float> values = {0.0f,
                                     -0.0f,
                                     1.0f / 3.0f,
                                     std::numeric_limits<float>::denorm_min(),
                                     std::numeric_limits<float>::max(),
                                     -std::numeric_limits<float>::infinity()};
  store->append_sample("r1", SampleRow{100, {3, 2}, values});
  store->flush();

  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT shape FROM samples WHERE run_key = 'r1' AND step = 100"), "[3,2]");
  const auto blob = raw.blob("SELECT data FROM samples WHERE step = 100");
  ASSERT_EQ(blob.size(), values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t expected;
    std::memcpy(&expected, &values[i], 4);
    // Little-endian in the file whatever the host's byte order.
    const std::uint32_t stored = std::uint32_t{blob[4 * i]} | std::uint32_t{blob[4 * i + 1]} << 8 |
                                 std::uint32_t{blob[4 * i + 2]} << 16 |
                                 std::uint32_t{blob[4 * i + 3]} << 24;
    EXPECT_EQ(stored, expected) << "value " << i;
  }
}

TEST_F(ResultStoreTest, SampleWithWrongShapeIsRefused) {
  auto store = open_with_two_runs();
  try {
    store->append_sample("r1", SampleRow{3, {2, 2}, {1.0f, 2.0f, 3.0f}});
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              db_path().string() +
                  ": cannot record sample of run r1 at step 3: shape [2, 2] does not match its "
                  "3 values");
  }
  EXPECT_THROW(store->append_sample("r1", SampleRow{3, {-1, -3}, {1.0f, 2.0f, 3.0f}}), StoreError);
}

TEST_F(ResultStoreTest, RowsStayBufferedUntilFlush) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r1", make_env());
  for (int i = 0; i < 5; ++i) store->append_step("r1", make_step(i));
  store->append_eval("r1", toy_eval(4, 1.0, 1.0, 1.0));

  RawDb other(db_path());  // a second connection, as `gansweep status` would be
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 0);
  EXPECT_EQ(other.integer("SELECT count(*) FROM evals"), 0);
  store->flush();
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 5);
  EXPECT_EQ(other.integer("SELECT count(*) FROM evals"), 1);
  store->flush();  // nothing pending: no change, no error
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 5);
}

TEST_F(ResultStoreTest, FlushHappensWhenTheBufferIsFull) {
  auto store = open_with_two_runs();
  store->set_flush_policy(4, std::chrono::hours(1));
  store->start_run("r1", make_env());
  RawDb other(db_path());
  store->append_step("r1", make_step(0));
  store->append_layer_grads("r1", {{0, "G", "a", 1.0}, {0, "G", "b", 1.0}});
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 0);
  // The fourth row, from another table, fills the buffer: all tables count.
  store->append_eval("r1", toy_eval(0, 1.0, 1.0, 1.0));
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 1);
  EXPECT_EQ(other.integer("SELECT count(*) FROM layer_grads"), 2);
  EXPECT_EQ(other.integer("SELECT count(*) FROM evals"), 1);
}

TEST_F(ResultStoreTest, FlushHappensWhenTheIntervalHasPassed) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::milliseconds(20));
  store->start_run("r1", make_env());  // flushes, restarting the interval
  RawDb other(db_path());
  store->append_step("r1", make_step(0));
  std::this_thread::sleep_for(40ms);
  store->append_step("r1", make_step(1));  // the interval is checked at each append
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 2);
}

TEST_F(ResultStoreTest, DefaultPolicyFlushesAfter2000Rows) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  RawDb other(db_path());
  // Appending 2000 rows takes far less than the 500 ms interval on any
  // machine this runs on, so only the row count can trigger the flush.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1999; ++i) store->append_step("r1", make_step(i));
  const bool fast = std::chrono::steady_clock::now() - start < 400ms;
  if (fast) {
    EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 0);
  }
  store->append_step("r1", make_step(1999));
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 2000);
}

TEST_F(ResultStoreTest, DestructorFlushesPendingRows) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r1", make_env());
  store->append_step("r1", make_step(0));
  store.reset();
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps"), 1);
}

TEST_F(ResultStoreTest, FailedFlushKeepsRowsForARetry) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r1", make_env());
  for (int i = 0; i < 3; ++i) store->append_step("r1", make_step(i));
  store->append_sample("r1", SampleRow{2, {1}, {1.0f}});

  // Another connection makes writing samples fail, after the steps went in.
  RawDb other(db_path());
  other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON samples "
      "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END");
  try {
    store->flush();
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path().string() +
                                         ": cannot write samples: disk full (simulated) "
                                         "(writing samples of run r1 at step 2)");
  }
  // The whole flush was rolled back, not just the failing row.
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 0);

  other.exec("DROP TRIGGER refuse");
  store->flush();
  EXPECT_EQ(other.integer("SELECT count(*) FROM steps"), 3);
  EXPECT_EQ(other.integer("SELECT count(*) FROM samples"), 1);
}

TEST_F(ResultStoreTest, DuplicateStepIsAnErrorNamingTheRow) {
  auto store = open_with_two_runs();
  store->set_flush_policy(100000, std::chrono::hours(1));
  store->start_run("r1", make_env());
  store->append_step("r1", make_step(3));
  store->append_step("r1", make_step(3));
  try {
    store->flush();
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              db_path().string() +
                  ": cannot write steps: UNIQUE constraint failed: "
                  "steps.run_key, steps.step (writing steps of run r1 at step "
                  "3)");
  }
}

TEST_F(ResultStoreTest, TenThousandStepsGoInBatches) {
  auto store = open_with_two_runs();
  store->start_run("r1", make_env());
  for (int i = 0; i < 10000; ++i) store->append_step("r1", make_step(i));
  RunOutcome outcome;
  outcome.steps_done = 10000;
  store->finish_run("r1", outcome);
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 10000);
  EXPECT_EQ(raw.integer("SELECT min(step) FROM steps"), 0);
  EXPECT_EQ(raw.integer("SELECT max(step) FROM steps"), 9999);
  EXPECT_EQ(raw.integer("SELECT steps_done FROM runs WHERE run_key = 'r1'"), 10000);
}

TEST_F(ResultStoreTest, TwoWritersShareOneFile) {
  auto a = open_with_two_runs();
  auto b = ResultStore::open_for_writing(db_path());
  a->set_flush_policy(3, std::chrono::hours(1));
  b->set_flush_policy(5, std::chrono::hours(1));
  a->start_run("r1", make_env());
  b->start_run("r2", make_env());
  for (int i = 0; i < 50; ++i) {
    a->append_step("r1", make_step(i));
    b->append_step("r2", make_step(i));
  }
  a->finish_run("r1", RunOutcome{});
  b->finish_run("r2", RunOutcome{});
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r1'"), 50);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps WHERE run_key = 'r2'"), 50);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM runs WHERE status = 'done'"), 2);
}

// A writer killed with SIGKILL mid-stream leaves a sound file holding only
// whole flushes, and the run can be restarted cleanly.
TEST_F(ResultStoreTest, KillNineLeavesAConsistentDatabase) {
  open_with_two_runs().reset();
  constexpr int kBatch = 50;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      auto store = ResultStore::open_for_writing(db_path());
      store->set_flush_policy(kBatch, std::chrono::hours(1));
      store->start_run("r1", make_env());
      for (std::int64_t i = 0;; ++i) {
        store->append_step("r1", make_step(i));
        if (i % 10 == 0) store->append_layer_grads("r1", {{i, "G", "w", 1.0}});
      }
    } catch (...) {
    }
    _exit(3);
  }
  // Wait until the child has written a few batches, then kill it mid-stream.
  RawDb watcher(db_path());
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (watcher.integer("SELECT count(*) FROM steps") < 5 * kBatch &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  {
    RawDb raw(db_path());
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
    const std::int64_t steps = raw.integer("SELECT count(*) FROM steps");
    const std::int64_t grads = raw.integer("SELECT count(*) FROM layer_grads");
    EXPECT_GE(steps, 5 * kBatch);
    EXPECT_EQ((steps + grads) % kBatch, 0) << "a partial flush is visible";
    EXPECT_EQ(raw.integer("SELECT max(step) FROM steps"), steps - 1);  // no gaps
    EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r1'"), "running");
  }
  auto store = ResultStore::open_for_writing(db_path());
  store->start_run("r1", make_env());
  store->append_step("r1", make_step(0));
  store->finish_run("r1", RunOutcome{});
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM steps"), 1);
  EXPECT_EQ(raw.integer("SELECT attempts FROM runs WHERE run_key = 'r1'"), 2);
}

TEST(RunStatusNames, RoundTripAndRejectUnknown) {
  for (RunStatus status : {RunStatus::kQueued, RunStatus::kRunning, RunStatus::kDone,
                           RunStatus::kFailed, RunStatus::kDiverged, RunStatus::kInterrupted}) {
    EXPECT_EQ(parse_run_status(to_string(status)), status);
  }
  EXPECT_EQ(to_string(RunStatus::kDiverged), "diverged");
  EXPECT_EQ(to_string(RunStatus::kInterrupted), "interrupted");
  try {
    parse_run_status("Done");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown run status 'Done' (expected queued, running, done, failed, diverged or "
              "interrupted)");
  }
}

}  // namespace
}  // namespace gansweep::store
