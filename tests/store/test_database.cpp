// Tests of the sqlite3 wrapper: binding and reading each type, statement
// reuse, transactions that roll back unless committed, and error messages
// that name the file and quote SQLite.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <string>

#include "store/database.h"
#include "store_test_util.h"

namespace gansweep::store {
namespace {

using testing::RawDb;
using testing::TempDirTest;

constexpr int kCreate = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

class DatabaseTest : public TempDirTest {
 protected:
  std::string db_path() const { return (dir_ / "t.db").string(); }
};

TEST_F(DatabaseTest, BindsAndReadsEveryType) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)");
  const std::string blob_bytes("\x00\x01\xff\x7f", 4);
  Statement insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
  insert.bind_int64(1, std::numeric_limits<std::int64_t>::min())
      .bind_double(2, -0.125)
      .bind_text(3, std::string("a\0b", 3))
      .bind_blob(4, blob_bytes.data(), blob_bytes.size())
      .bind_null(5);
  insert.run();
  EXPECT_EQ(db.changes(), 1);

  Statement select = db.prepare("SELECT i, r, s, b, n FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_count(), 5);
  EXPECT_EQ(select.column_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select.column_double(1), -0.125);
  EXPECT_EQ(select.column_text(2), std::string("a\0b", 3));
  EXPECT_EQ(select.column_blob(3), std::vector<std::uint8_t>({0x00, 0x01, 0xff, 0x7f}));
  EXPECT_TRUE(select.column_is_null(4));
  EXPECT_FALSE(select.column_is_null(0));
  EXPECT_EQ(select.column_text(4), "");
  EXPECT_FALSE(select.step());
}

TEST_F(DatabaseTest, EmptyBlobIsNotNull) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (b BLOB)");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1)");
  insert.bind_blob(1, nullptr, 0).run();
  RawDb raw(db_path());
  EXPECT_EQ(raw.text("SELECT typeof(b) FROM t"), "blob");
}

TEST_F(DatabaseTest, InfinitiesSurviveAndNanBecomesNull) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (k INTEGER, r REAL)");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1, ?2)");
  insert.bind_int64(1, 1).bind_double(2, std::numeric_limits<double>::infinity()).run();
  insert.bind_int64(1, 2).bind_double(2, -std::numeric_limits<double>::infinity()).run();
  insert.bind_int64(1, 3).bind_double(2, std::nan("")).run();
  Statement select = db.prepare("SELECT r FROM t ORDER BY k");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_double(0), std::numeric_limits<double>::infinity());
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.column_double(0), -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(select.step());
  EXPECT_TRUE(select.column_is_null(0));
}

TEST_F(DatabaseTest, ResetClearsBindingsForReuse) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (a INTEGER, b TEXT)");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1, ?2)");
  insert.bind_int64(1, 1).bind_text(2, "x").run();
  insert.bind_int64(1, 2).run();  // ?2 was cleared by the reset in run()
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM t"), 2);
  EXPECT_TRUE(raw.is_null("SELECT b FROM t WHERE a = 2"));
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (a INTEGER)");
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES (1)");
  }
  {
    Transaction tx(db);
    db.exec("INSERT INTO t VALUES (2)");
    tx.commit();
  }
  RawDb raw(db_path());
  EXPECT_EQ(raw.texts("SELECT a FROM t"), std::vector<std::string>({"2"}));
  EXPECT_NE(sqlite3_get_autocommit(db.handle()), 0);
}

TEST_F(DatabaseTest, TransactionRollsBackWhenAnExceptionLeavesTheScope) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (a INTEGER PRIMARY KEY)");
  EXPECT_THROW(
      {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (1)");
        db.exec("INSERT INTO t VALUES (1)");  // constraint violation throws
        tx.commit();
      },
      StoreError);
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM t"), 0);
}

TEST_F(DatabaseTest, OpenFailureNamesPathAndMissingDirectory) {
  const std::string path = (dir_ / "missing" / "x.db").string();
  try {
    Database db(path, path, kCreate);
    FAIL() << "opened a file in a missing directory";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": cannot open database: unable to open database file (directory " +
                  (dir_ / "missing").string() + " does not exist)");
    EXPECT_EQ(e.sqlite_code(), SQLITE_CANTOPEN);
    EXPECT_EQ(e.sqlite_message(), "unable to open database file");
  }
}

TEST_F(DatabaseTest, PrepareErrorNamesPathAndQuotesSqlite) {
  Database db(db_path(), db_path(), kCreate);
  try {
    db.prepare("SELECT * FROM nope", "cannot read nope");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path() + ": cannot read nope: no such table: nope");
    EXPECT_EQ(e.sqlite_code(), SQLITE_ERROR);
  }
  // Without a description, the start of the statement is quoted.
  try {
    db.exec("DELETE FROM nope");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()),
              db_path() + ": cannot run \"DELETE FROM nope\": no such table: nope");
  }
}

TEST_F(DatabaseTest, StepErrorNamesPathAndLeavesStatementReusable) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("CREATE TABLE t (a INTEGER PRIMARY KEY)");
  Statement insert = db.prepare("INSERT INTO t VALUES (?1)", "cannot write t");
  insert.bind_int64(1, 7).run();
  try {
    insert.bind_int64(1, 7).run();
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), db_path() + ": cannot write t: UNIQUE constraint failed: t.a");
    EXPECT_EQ(e.sqlite_code(), SQLITE_CONSTRAINT);
  }
  insert.bind_int64(1, 8).run();
  RawDb raw(db_path());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM t"), 2);
}

TEST_F(DatabaseTest, BusyWriterIsReportedAsBusy) {
  Database db(db_path(), db_path(), kCreate);
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (a INTEGER)");
  RawDb other(db_path());
  other.exec("BEGIN IMMEDIATE");
  db.set_busy_timeout(50);
  try {
    Transaction tx(db);
    FAIL() << "took the write lock while another connection held it";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.sqlite_code(), SQLITE_BUSY);
    EXPECT_EQ(std::string(e.what()),
              db_path() + ": cannot run \"BEGIN IMMEDIATE\": database is locked");
  }
  other.exec("ROLLBACK");
}

TEST_F(DatabaseTest, MovedStatementStillWorks) {
  Database db(db_path(), db_path(), kCreate);
  Statement a = db.prepare("SELECT 41 + 1");
  Statement b = std::move(a);
  ASSERT_TRUE(b.step());
  EXPECT_EQ(b.column_int64(0), 42);
}

TEST_F(DatabaseTest, ReadOnlyFlagIsReported) {
  {
    Database db(db_path(), db_path(), kCreate);
    db.exec("CREATE TABLE t (a)");
  }
  Database writer(db_path(), db_path(), SQLITE_OPEN_READWRITE);
  Database reader(db_path(), db_path(), SQLITE_OPEN_READONLY);
  EXPECT_FALSE(writer.read_only());
  EXPECT_TRUE(reader.read_only());
  try {
    reader.exec("INSERT INTO t VALUES (1)");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.sqlite_code(), SQLITE_READONLY);
    EXPECT_NE(std::string(e.what()).find("attempt to write a readonly database"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace gansweep::store
