// Helpers for the store tests: a fresh temporary folder per test, and a raw
// sqlite3 connection for checking what actually landed in a file, so the
// tests do not trust the code under test to read its own writes.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace gansweep::store::testing {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gansweep-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
};

// A connection of its own, as a second process would have.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path, int flags = SQLITE_OPEN_READWRITE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db_);
      sqlite3_close(db_);
      throw std::runtime_error("raw open of " + path.string() + ": " + message);
    }
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error("raw exec '" + sql + "': " + message);
    }
  }

  // The first column of every row.
  std::vector<std::string> texts(const std::string& sql) {
    std::vector<std::string> out;
    Query q(db_, sql);
    while (q.next()) {
      const auto* text = sqlite3_column_text(q.stmt, 0);
      out.push_back(text ? reinterpret_cast<const char*>(text) : "<NULL>");
    }
    return out;
  }
  // The first column of the single row the query must return.
  std::int64_t integer(const std::string& sql) {
    Query q(db_, sql);
    q.single();
    return sqlite3_column_int64(q.stmt, 0);
  }
  double real(const std::string& sql) {
    Query q(db_, sql);
    q.single();
    return sqlite3_column_double(q.stmt, 0);
  }
  std::string text(const std::string& sql) { return texts_single(sql); }
  bool is_null(const std::string& sql) {
    Query q(db_, sql);
    q.single();
    return sqlite3_column_type(q.stmt, 0) == SQLITE_NULL;
  }
  std::vector<std::uint8_t> blob(const std::string& sql) {
    Query q(db_, sql);
    q.single();
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(q.stmt, 0));
    return std::vector<std::uint8_t>(data, data + sqlite3_column_bytes(q.stmt, 0));
  }

 private:
  struct Query {
    Query(sqlite3* db, const std::string& sql) {
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        throw std::runtime_error("raw prepare '" + sql + "': " + sqlite3_errmsg(db));
      }
      text = sql;
    }
    ~Query() { sqlite3_finalize(stmt); }
    bool next() {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      throw std::runtime_error("raw step '" + text + "': " + sqlite3_errstr(rc));
    }
    void single() {
      if (!next()) throw std::runtime_error("raw query returned no row: " + text);
    }
    sqlite3_stmt* stmt = nullptr;
    std::string text;
  };

  std::string texts_single(const std::string& sql) {
    const auto all = texts(sql);
    if (all.size() != 1) throw std::runtime_error("raw query did not return one row: " + sql);
    return all[0];
  }

  sqlite3* db_ = nullptr;
};

}  // namespace gansweep::store::testing
