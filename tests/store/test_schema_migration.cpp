// Migrating result databases forward. A file made with schema version 1's
// own SQL (migrate_to stops there) gains version 2's image quality columns
// of `evals` when opened for writing, keeps every row, and is refused by
// readers until it has been migrated.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/result_store.h"
#include "store/schema.h"
#include "store_test_util.h"

namespace gansweep::store {
namespace {

using testing::RawDb;

const std::vector<std::string> kVersion1EvalColumns = {"run_key", "step", "modes_covered",
                                                       "high_quality_fraction", "mode_kl"};

class SchemaMigrationTest : public testing::TempDirTest {
 protected:
  std::filesystem::path db_path() const { return dir_ / "old.db"; }

  // A database at `version`, made by the migration steps up to it.
  void make_file_at(int version) {
    Database db(db_path().string(), db_path().string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    Transaction tx(db);
    schema::migrate_to(db, version);
    tx.commit();
  }
};

TEST_F(SchemaMigrationTest, Version1FileGainsImageQualityColumnsAndKeepsItsRows) {
  make_file_at(1);
  {
    RawDb raw(db_path());
    ASSERT_EQ(raw.integer("PRAGMA user_version"), 1);
    ASSERT_EQ(raw.texts("SELECT name FROM pragma_table_info('evals')"), kVersion1EvalColumns);
    raw.exec(
        "INSERT INTO sweeps VALUES ('s', 's.yaml', 'name: s', '2026-01-01T00:00:00Z', "
        "'2026-01-01T00:00:00Z');"
        "INSERT INTO runs (run_key, sweep, position, config_json, status) "
        "VALUES ('r1', 's', 0, '{}', 'done');"
        "INSERT INTO evals VALUES ('r1', 10, 7, 0.5, 0.125)");
  }

  // Readers may not migrate, so they refuse the old file.
  try {
    ResultStore::open_read_only(db_path());
    FAIL() << "opened an old file read-only";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path().string() +
                                         ": database schema version 1 is older than this build's "
                                         "version " +
                                         std::to_string(schema::kCurrentVersion) +
                                         "; migrate it with `gansweep migrate " +
                                         db_path().string() + "` (or any `gansweep run` into it)");
  }

  auto store = ResultStore::open_for_writing(db_path());
  {
    RawDb raw(db_path());
    EXPECT_EQ(raw.integer("PRAGMA user_version"), schema::kCurrentVersion);
    const auto columns = raw.texts("SELECT name FROM pragma_table_info('evals')");
    ASSERT_GE(columns.size(), 8u);
    EXPECT_EQ(
        std::vector<std::string>(columns.begin(), columns.begin() + 8),
        (std::vector<std::string>{"run_key", "step", "modes_covered", "high_quality_fraction",
                                  "mode_kl", "frechet_distance", "classes_covered", "class_kl"}));
    EXPECT_EQ(raw.texts("SELECT type FROM pragma_table_info('evals') WHERE name IN "
                        "('frechet_distance', 'classes_covered', 'class_kl')"),
              (std::vector<std::string>{"REAL", "REAL", "REAL"}));
    // The old row is intact, its image scores NULL.
    EXPECT_EQ(raw.text("SELECT status FROM runs WHERE run_key = 'r1'"), "done");
    EXPECT_EQ(raw.real("SELECT mode_kl FROM evals WHERE step = 10"), 0.125);
    EXPECT_TRUE(raw.is_null("SELECT frechet_distance FROM evals WHERE step = 10"));
    EXPECT_TRUE(raw.is_null("SELECT class_kl FROM evals WHERE step = 10"));
  }

  // New rows land in the new columns.
  EvalRow row;
  row.step = 20;
  row.frechet_distance = 12.5;
  row.classes_covered = 9;
  row.class_kl = 0.25;
  store->append_eval("r1", row);
  store->flush();
  store.reset();
  RawDb raw(db_path());
  EXPECT_EQ(raw.real("SELECT frechet_distance FROM evals WHERE step = 20"), 12.5);
  EXPECT_EQ(raw.real("SELECT classes_covered FROM evals WHERE step = 20"), 9.0);
  EXPECT_EQ(raw.real("SELECT class_kl FROM evals WHERE step = 20"), 0.25);
  EXPECT_TRUE(raw.is_null("SELECT modes_covered FROM evals WHERE step = 20"));
  EXPECT_NO_THROW(ResultStore::open_read_only(db_path()));
}

TEST_F(SchemaMigrationTest, AFailedStepLeavesTheFileAtItsVersion) {
  make_file_at(1);
  {
    // A column of version 2 already there (added by hand) makes its step fail.
    RawDb raw(db_path());
    raw.exec("ALTER TABLE evals ADD COLUMN class_kl REAL");
  }
  try {
    ResultStore::open_for_writing(db_path());
    FAIL() << "migrated a file whose step must fail";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("duplicate column name: class_kl"), std::string::npos) << message;
    EXPECT_NE(message.find("(while trying to add the image quality columns of evals (schema "
                           "version 2))"),
              std::string::npos)
        << message;
  }
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("PRAGMA user_version"), 1);
  EXPECT_EQ(raw.integer(
                "SELECT count(*) FROM pragma_table_info('evals') WHERE name = 'frechet_distance'"),
            0);
}

TEST_F(SchemaMigrationTest, MigrateToRefusesVersionsThisBuildDoesNotKnow) {
  Database db(db_path().string(), db_path().string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  Transaction tx(db);
  try {
    schema::migrate_to(db, schema::kCurrentVersion + 1);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path().string() + ": cannot migrate to schema version " +
                                         std::to_string(schema::kCurrentVersion + 1) +
                                         " (this build knows 0 to " +
                                         std::to_string(schema::kCurrentVersion) + ")");
  }
}

// The command a reader's error names: `gansweep migrate DB` makes the file
// readable and keeps its rows.
TEST_F(SchemaMigrationTest, MigrateCommandBringsAnOldFileForward) {
  make_file_at(1);
  const std::string command =
      std::string(GANSWEEP_BINARY) + " migrate '" + db_path().string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(RawDb(db_path()).integer("PRAGMA user_version"), schema::kCurrentVersion);
  EXPECT_NO_THROW(ResultStore::open_read_only(db_path()));
  const std::string missing =
      std::string(GANSWEEP_BINARY) + " migrate '" + db_path().string() + ".absent' 2>/dev/null";
  EXPECT_NE(std::system(missing.c_str()), 0);
}

}  // namespace
}  // namespace gansweep::store
