// The sqlite3 wrapper: turns SQLite result codes into StoreErrors that name
// the file, and owns connections and statements so nothing leaks on a throw.

#include "store/database.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include <fmt/format.h>

namespace gansweep::store {
namespace {

// Error messages quote this much of a statement when it has no description.
constexpr std::size_t kQuotedSqlChars = 60;

std::string describe_sql(std::string_view sql) {
  std::string text(sql.substr(0, kQuotedSqlChars));
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (sql.size() > kQuotedSqlChars) text += "...";
  return fmt::format("cannot run \"{}\"", text);
}

}  // namespace

Database::Database(std::string display_path, const std::string& filename, int flags)
    : display_path_(std::move(display_path)) {
  const int rc = sqlite3_open_v2(filename.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // sqlite3_open_v2 hands back a connection even on failure (except when
    // out of memory); its message is the only place the reason is kept.
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    // SQLite says only "unable to open database file" when the folder is
    // missing, which sends people looking at the file instead.
    std::string hint;
    const std::filesystem::path parent = std::filesystem::path(display_path_).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      hint = fmt::format(" (directory {} does not exist)", parent.string());
    }
    throw StoreError(fmt::format("{}: cannot open database: {}{}", display_path_, message, hint),
                     rc & 0xff, message);
  }
}

Database::~Database() {
  // close_v2 defers the close until the last statement is finalized, so a
  // statement outliving its connection cannot crash.
  sqlite3_close_v2(db_);
}

bool Database::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

void Database::set_busy_timeout(int milliseconds) {
  const int rc = sqlite3_busy_timeout(db_, milliseconds);
  if (rc != SQLITE_OK) fail("cannot set the busy timeout", rc);
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(describe_sql(sql), rc);
}

Statement Database::prepare(std::string_view sql, std::string what) {
  if (what.empty()) what = describe_sql(sql);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    fail(what, rc);
  }
  return Statement(*this, stmt, std::move(what));
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

StoreError Database::error(std::string_view what, int code) const {
  // Only the primary code: callers compare against SQLITE_BUSY and friends.
  std::string message = sqlite3_errmsg(db_);
  return StoreError(fmt::format("{}: {}: {}", display_path_, what, message), code & 0xff, message);
}

void Database::fail(std::string_view what, int code) const { throw error(what, code); }

Statement::Statement(Database& db, sqlite3_stmt* stmt, std::string what)
    : db_(&db), stmt_(stmt), what_(std::move(what)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), what_(std::move(other.what_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    what_ = std::move(other.what_);
  }
  return *this;
}

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) db_->fail(fmt::format("{} (parameter {})", what_, index), rc);
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so callers may pass temporaries.
  check_bind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  // A null pointer would bind NULL rather than an empty blob.
  static const char kEmpty = 0;
  check_bind(sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT),
             index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Take the message before reset, then reset so the statement (which may be
  // cached for the next flush) does not stay in its failed state.
  StoreError error = db_->error(what_, rc);
  sqlite3_reset(stmt_);
  throw error;
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::vector<std::uint8_t> Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
  if (data == nullptr) return {};
  return std::vector<std::uint8_t>(data, data + size);
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  // A failed COMMIT can leave the transaction open, and SQLite may already
  // have rolled back on some errors; roll back only if one is still active.
  if (!done_ && sqlite3_get_autocommit(db_.handle()) == 0) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  quoted += '"';
  return quoted;
}

std::string file_uri(const std::filesystem::path& path) {
  const std::string text = path.string();
  std::string uri = path.is_absolute() ? "file://" : "file:";
  for (unsigned char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      uri += static_cast<char>(c);
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  return uri;
}

std::string read_only_file_uri(const std::filesystem::path& path) {
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  const bool folder_writable = access(folder.c_str(), W_OK) == 0;
  return file_uri(path) + (folder_writable ? "?mode=ro" : "?mode=ro&immutable=1");
}

}  // namespace gansweep::store
