// The sql subcommand's engine: reads work, and nothing can write, attach
// another file or run a pragma, whatever the statement says.
#include "query/read_only_sql.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/database.h"
#include "store/result_store.h"

namespace gansweep::query {
namespace {

namespace fs = std::filesystem;

class ReadOnlySqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fs::temp_directory_path() / ("gansweep-sql-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    auto store = store::ResultStore::open_for_writing(db_);
    store->register_sweep({"s", "s.yaml", ""}, {{"a", 0, "{}", {}}, {"b", 1, "{}", {}}});
    store->start_run("a", {});
    store::StepRow row;
    row.g_loss = -std::numeric_limits<double>::infinity();
    store->append_step("a", row);
    store->finish_run("a", {});
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
    fs::remove(fs::temp_directory_path() / "gansweep-sql-attached.db");
  }
  fs::path db_;
};

TEST_F(ReadOnlySqlTest, ReadsWithExactCells) {
  const SqlResult r =
      run_read_only_sql(db_, "SELECT run_key, status, error FROM runs ORDER BY run_key");
  EXPECT_EQ(r.columns, (std::vector<std::string>{"run_key", "status", "error"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"a", "done", "NULL"}));
  EXPECT_EQ(run_read_only_sql(db_, "SELECT g_loss FROM steps").rows[0][0], "-inf");
  EXPECT_EQ(run_read_only_sql(db_, "WITH x AS (SELECT 1.5 AS v) SELECT v FROM x;").rows[0][0],
            "1.5");
}

TEST_F(ReadOnlySqlTest, NothingThatWritesOrAttachesRuns) {
  const std::string attached = (fs::temp_directory_path() / "gansweep-sql-attached.db").string();
  for (const std::string& sql : std::vector<std::string>{
           "DELETE FROM runs", "UPDATE runs SET status = 'done'", "DROP TABLE steps",
           "INSERT INTO sweeps VALUES ('x', 'x', 'x', 'x', 'x')", "PRAGMA journal_mode = DELETE",
           "ATTACH '" + attached + "' AS other", "CREATE TABLE t (x)", "VACUUM"}) {
    EXPECT_THROW(run_read_only_sql(db_, sql), std::invalid_argument) << sql;
  }
  EXPECT_FALSE(fs::exists(attached));
  EXPECT_EQ(run_read_only_sql(db_, "SELECT count(*) FROM runs").rows[0][0], "2");
}

TEST_F(ReadOnlySqlTest, OneStatementAtATime) {
  EXPECT_THROW(run_read_only_sql(db_, "SELECT 1; DELETE FROM runs"), std::invalid_argument);
  EXPECT_EQ(run_read_only_sql(db_, "SELECT count(*) FROM runs").rows[0][0], "2");
}

TEST_F(ReadOnlySqlTest, RunawayStatementsAreStopped) {
  SqlLimits limits;
  limits.time = std::chrono::seconds(1);
  try {
    run_read_only_sql(db_,
                      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                      "SELECT count(*) FROM c",
                      limits);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ran longer than 1 s"), std::string::npos);
  }
  limits.max_rows = 10;
  EXPECT_THROW(run_read_only_sql(db_,
                                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                                 "LIMIT 11) SELECT x FROM c",
                                 limits),
               std::invalid_argument);
  EXPECT_THROW(run_read_only_sql(db_, "SELECT zeroblob(500000000)"), store::StoreError);
}

TEST_F(ReadOnlySqlTest, SqlErrorsCarrySqlitesMessage) {
  try {
    run_read_only_sql(db_, "SELECT * FROM nope");
    FAIL();
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no such table: nope"), std::string::npos);
  }
}

}  // namespace
}  // namespace gansweep::query
