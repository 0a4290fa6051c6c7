#include "query/read_only_sql.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "store/database.h"
#include "store/result_store.h"

namespace gansweep::query {
namespace {

// Reads are allowed; ATTACH (which could open another file) and every kind
// of write are refused before the statement is even prepared.
// `denied` (a bool) records a refusal, since SQLite reports some of them
// (VACUUM) as a plain error rather than SQLITE_AUTH.
int allow_reads_only(void* denied, int action, const char*, const char*, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    default:  // writes, ATTACH, and pragmas (some write or change the connection)
      *static_cast<bool*>(denied) = true;
      return SQLITE_DENY;
  }
}

std::string cell_text(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT: {
      const double value = sqlite3_column_double(statement, column);
      if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
      return fmt::format("{}", value);
    }
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(statement, column));
      std::string hex = "x'";
      for (int i = 0; i < sqlite3_column_bytes(statement, column); ++i) {
        hex += fmt::format("{:02x}", bytes[i]);
      }
      return hex + "'";
    }
    default:
      return reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  }
}

// Stops a statement that runs past its time: SQLite calls this every few
// thousand virtual-machine steps, and a non-zero return interrupts it.
struct Deadline {
  std::chrono::steady_clock::time_point until;
  bool expired = false;
};

int past_deadline(void* data) {
  auto* deadline = static_cast<Deadline*>(data);
  deadline->expired = std::chrono::steady_clock::now() > deadline->until;
  return deadline->expired ? 1 : 0;
}

}  // namespace

SqlResult run_read_only_sql(const std::filesystem::path& db_path, const std::string& sql,
                            const SqlLimits& limits) {
  auto db = store::open_database_read_only(db_path);
  sqlite3* handle = db->handle();
  db->exec("PRAGMA query_only = 1");
  bool denied = false;
  sqlite3_set_authorizer(handle, allow_reads_only, &denied);
  Deadline deadline{std::chrono::steady_clock::now() + limits.time, false};
  sqlite3_progress_handler(handle, 10000, past_deadline, &deadline);
  // A zeroblob or a huge string is refused rather than built in memory.
  sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, 64 << 20);

  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  const int rc =
      sqlite3_prepare_v2(handle, sql.c_str(), static_cast<int>(sql.size()), &statement, &tail);
  if (rc != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(handle);
    sqlite3_finalize(statement);
    if (rc == SQLITE_AUTH || denied) {
      throw std::invalid_argument(
          "only reading statements are allowed (SELECT, WITH ... SELECT); this one would "
          "write, attach a file or run a pragma");
    }
    throw store::StoreError(fmt::format("{}: {}", db_path.string(), message), rc, message);
  }
  if (statement == nullptr) throw std::invalid_argument("the SQL holds no statement");
  const std::string rest = tail == nullptr ? "" : tail;
  if (rest.find_first_not_of(" \t\r\n;") != std::string::npos) {
    sqlite3_finalize(statement);
    throw std::invalid_argument("give one statement at a time");
  }

  SqlResult result;
  for (int i = 0; i < sqlite3_column_count(statement); ++i) {
    result.columns.emplace_back(sqlite3_column_name(statement, i));
  }
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
    if (result.rows.size() >= limits.max_rows) {
      sqlite3_finalize(statement);
      throw std::invalid_argument(
          fmt::format("the statement returns more than {} rows; add LIMIT, or aggregate in SQL",
                      limits.max_rows));
    }
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i)
      row.push_back(cell_text(statement, i));
    result.rows.push_back(std::move(row));
  }
  const std::string message = sqlite3_errmsg(handle);
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE && deadline.expired) {
    throw std::invalid_argument(
        fmt::format("the statement ran longer than {} s and was stopped", limits.time.count()));
  }
  if (step != SQLITE_DONE) {
    // VACUUM and a few others are refused only when they run.
    if (step == SQLITE_AUTH || denied) {
      throw std::invalid_argument(
          "only reading statements are allowed (SELECT, WITH ... SELECT); this one would "
          "write, attach a file or run a pragma");
    }
    throw store::StoreError(fmt::format("{}: {}", db_path.string(), message), step, message);
  }
  return result;
}

}  // namespace gansweep::query
