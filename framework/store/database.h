// A thin RAII layer over the sqlite3 C API for the store and for query code
// that runs its own SQL: a connection, prepared statements and IMMEDIATE
// transactions, every failure a StoreError naming the file and quoting SQLite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace gansweep::store {

// Every failure of the store. The message always starts with the database
// path and, when SQLite reported the problem, includes SQLite's own message,
// e.g. "results/x.db: cannot open database: unable to open database file".
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message, int sqlite_code = 0,
                      std::string sqlite_message = "")
      : std::runtime_error(message),
        sqlite_code_(sqlite_code),
        sqlite_message_(std::move(sqlite_message)) {}
  // SQLite's primary result code (SQLITE_BUSY, SQLITE_NOTADB, ...) and
  // message, or 0 and "" when the error was found by the store itself.
  int sqlite_code() const { return sqlite_code_; }
  const std::string& sqlite_message() const { return sqlite_message_; }

 private:
  int sqlite_code_;
  std::string sqlite_message_;
};

// A path given as a result database that leads to none: no file to read,
// a file that is not SQLite, or another program's SQLite file. Bad input,
// unlike a failing disk.
class NotAResultDatabase : public StoreError {
 public:
  using StoreError::StoreError;
};

class Statement;

// One connection. Not thread-safe; the store uses it from one thread.
class Database {
 public:
  // Opens `filename` (a path, or a "file:" URI when flags include
  // SQLITE_OPEN_URI) with sqlite3_open_v2 `flags`. `display_path` is what
  // error messages call the file, so a URI never shows up in them.
  Database(std::string display_path, const std::string& filename, int flags);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& display_path() const { return display_path_; }
  sqlite3* handle() const { return db_; }
  bool read_only() const;

  void set_busy_timeout(int milliseconds);
  // Runs one or more statements that return no rows the caller needs.
  void exec(std::string_view sql);
  // `what` says what the statement is for in error messages ("cannot write
  // steps"); by default the messages quote the start of the SQL.
  Statement prepare(std::string_view sql, std::string what = "");
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;

  // "PATH: WHAT: <sqlite3_errmsg>", with `code` as the error's sqlite_code.
  StoreError error(std::string_view what, int code) const;
  [[noreturn]] void fail(std::string_view what, int code) const;

 private:
  std::string display_path_;
  sqlite3* db_ = nullptr;
};

// A prepared statement. Parameters are numbered from 1 and columns from 0, as
// in SQLite. After the last row (or an error) reset() makes it reusable.
class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt, std::string what);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_int64(int index, std::int64_t value);
  Statement& bind_double(int index, double value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);

  // Advances to the next row: true when there is one, false when done.
  bool step();
  // Runs a statement expected to return no rows, then resets it.
  void run();
  // Rewinds and clears the bindings.
  void reset();

  int column_count() const;
  bool column_is_null(int index) const;
  std::int64_t column_int64(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;  // "" for NULL
  std::vector<std::uint8_t> column_blob(int index) const;

 private:
  void check_bind(int rc, int index);

  Database* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
};

// BEGIN IMMEDIATE on construction, so the write lock is taken up front (and
// waited for under the busy timeout) rather than failing halfway through with
// SQLITE_BUSY on an upgrade from a read lock. Rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

// `name` in double quotes, with inner quotes doubled: safe as a table or
// column name in any statement.
std::string quote_identifier(std::string_view name);

// A path as a "file:" URI, so that "?mode=ro" can be appended. Everything but
// unreserved characters and '/' is percent-encoded, which covers the '?', '#'
// and '%' that would otherwise end or corrupt the path part.
std::string file_uri(const std::filesystem::path& path);

// The URI that opens `path` read-only, never creating it. Reading a WAL
// database needs its -shm file, which SQLite creates beside it; in a folder
// this user cannot write to (an archive of results) the file is read as
// immutable instead, since no writer can be there.
std::string read_only_file_uri(const std::filesystem::path& path);

}  // namespace gansweep::store
