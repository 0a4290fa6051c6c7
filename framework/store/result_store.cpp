// ResultStore: opening (and creating or migrating) the result database, the
// sweep and run bookkeeping, and the buffered writing of per-step rows.

#include "store/result_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "store/database.h"
#include "store/schema.h"
#include "store/step_columns.h"
#include "util/process.h"

namespace gansweep::store {
namespace {

// Long enough for another process's flush or sweep registration to finish,
// short enough that a stuck writer is reported rather than waited on forever.
constexpr int kBusyTimeoutMs = 30'000;

// The current time as ISO-8601 UTC text, computed by SQLite in the statement.
constexpr std::string_view kNowSql = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

// The tables that hold a run's recorded rows, cleared when it is restarted.
constexpr std::string_view kRowTables[] = {"steps", "evals", "layer_grads", "samples"};

// Declared type of a swept column: the value's type, widened to REAL when a
// sweep mixes integers and reals in one axis and to TEXT when it mixes text.
enum class SqlType { kInteger, kReal, kText };

SqlType type_of(const ColumnValue& value) {
  if (std::holds_alternative<std::int64_t>(value)) return SqlType::kInteger;
  if (std::holds_alternative<double>(value)) return SqlType::kReal;
  return SqlType::kText;
}

const char* type_name(SqlType type) {
  switch (type) {
    case SqlType::kInteger:
      return "INTEGER";
    case SqlType::kReal:
      return "REAL";
    case SqlType::kText:
      return "TEXT";
  }
  return "TEXT";
}

void bind_column_value(Statement& stmt, int index, const ColumnValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    stmt.bind_int64(index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    stmt.bind_double(index, *d);
  } else {
    stmt.bind_text(index, std::get<std::string>(value));
  }
}

// SQLite would turn NaN into NULL by itself; binding NULL explicitly keeps
// that visible here. Infinities are bound as doubles and read back as such.
void bind_real(Statement& stmt, int index, double value) {
  if (std::isnan(value)) {
    stmt.bind_null(index);
  } else {
    stmt.bind_double(index, value);
  }
}

void bind_real(Statement& stmt, int index, const std::optional<double>& value) {
  if (value) {
    bind_real(stmt, index, *value);
  } else {
    stmt.bind_null(index);
  }
}

void bind_text_or_null(Statement& stmt, int index, const std::string& value) {
  if (value.empty()) {
    stmt.bind_null(index);
  } else {
    stmt.bind_text(index, value);
  }
}

std::optional<std::int64_t> optional_int64(const Statement& stmt, int index) {
  if (stmt.column_is_null(index)) return std::nullopt;
  return stmt.column_int64(index);
}

// float32 values as little-endian bytes, whatever the host's byte order.
std::vector<std::uint8_t> float32_le_bytes(const std::vector<float>& values) {
  static_assert(sizeof(float) == 4, "samples are stored as 32-bit floats");
  std::vector<std::uint8_t> bytes(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (int k = 0; k < 4; ++k) bytes[4 * i + k] = static_cast<std::uint8_t>(bits >> (8 * k));
  }
  return bytes;
}

// Adds which row was being written to a flush error.
[[noreturn]] void rethrow_for_row(const StoreError& e, std::string_view table,
                                  const std::string& run_key, std::int64_t step) {
  throw StoreError(
      fmt::format("{} (writing {} of run {} at step {})", e.what(), table, run_key, step),
      e.sqlite_code(), e.sqlite_message());
}

}  // namespace

// Rows waiting for the next flush, the flush policy, and the statements a
// flush reuses (prepared once per store: a flush is on the training path).
struct ResultStore::Pending {
  struct Step {
    std::string run_key;
    StepRow row;
  };
  struct Eval {
    std::string run_key;
    EvalRow row;
  };
  struct LayerGrad {
    std::string run_key;
    LayerGradRow row;
  };
  struct Sample {
    std::string run_key;
    std::int64_t step;
    std::string shape_json;
    std::vector<std::uint8_t> data;
  };

  std::vector<Step> steps;
  std::vector<Eval> evals;
  std::vector<LayerGrad> layer_grads;
  std::vector<Sample> samples;

  std::size_t flush_rows = 2000;
  std::chrono::milliseconds flush_interval{500};
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();

  std::optional<Statement> insert_step;
  std::optional<Statement> insert_eval;
  std::optional<Statement> insert_layer_grad;
  std::optional<Statement> insert_sample;

  std::size_t rows() const {
    return steps.size() + evals.size() + layer_grads.size() + samples.size();
  }

  void clear() {
    steps.clear();
    evals.clear();
    layer_grads.clear();
    samples.clear();
  }
};

std::string_view to_string(JournalMode mode) {
  return mode == JournalMode::kWal ? "wal" : "delete";
}

JournalMode parse_journal_mode(std::string_view name) {
  if (name == "wal") return JournalMode::kWal;
  if (name == "delete") return JournalMode::kRollback;
  throw std::invalid_argument(fmt::format("unknown journal mode '{}' (wal or delete)", name));
}

std::unique_ptr<Database> open_database_for_writing(const std::filesystem::path& path,
                                                    JournalMode journal) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw NotAResultDatabase(fmt::format("{}: is a folder, not a database file", path.string()));
  }
  // Opened by URI, so that the merge can ATTACH shards read-only by URI; the
  // URI form also keeps a name starting with "file:" a plain path.
  auto db = std::make_unique<Database>(
      path.string(), file_uri(path), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI);
  db->set_busy_timeout(kBusyTimeoutMs);

  // Refuse a foreign or newer file before the pragmas below change it.
  schema::check_usable(*db, schema::inspect(*db), /*for_writing=*/true);

  const std::string wanted(to_string(journal));
  const char* what = journal == JournalMode::kWal ? "WAL mode" : "a rollback journal";
  {
    Statement mode_stmt = db->prepare(fmt::format("PRAGMA journal_mode = {}", wanted),
                                      fmt::format("cannot switch to {}", what));
    mode_stmt.step();
    // SQLite answers with the mode it kept when it cannot switch. Without
    // WAL, readers (`gansweep status`) would block the writers.
    const std::string mode = mode_stmt.column_text(0);
    if (mode != wanted) {
      throw StoreError(fmt::format(
          "{}: cannot switch to {}: journal mode stayed '{}' ({})", path.string(), what, mode,
          journal == JournalMode::kWal ? "is the file on a network file system?"
                                       : "is another process using the file in WAL mode?"));
    }
  }
  if (journal == JournalMode::kWal) {
    // In WAL mode NORMAL never corrupts the file and a killed process loses no
    // committed transaction (only a power cut can undo the last few), while
    // commits skip the fsync that FULL would cost at every flush.
    db->exec("PRAGMA synchronous = NORMAL");
  } else {
    // With a rollback journal only FULL keeps a commit durable and the file
    // whole when the machine (or its NFS mount) goes away mid-commit.
    db->exec("PRAGMA synchronous = FULL");
  }
  db->exec("PRAGMA foreign_keys = ON");

  Transaction tx(*db);
  schema::create_or_migrate(*db);
  tx.commit();
  return db;
}

std::unique_ptr<ResultStore> ResultStore::open_for_writing(const std::filesystem::path& path,
                                                           JournalMode journal) {
  return std::unique_ptr<ResultStore>(
      new ResultStore(path, open_database_for_writing(path, journal)));
}

std::unique_ptr<Database> open_database_read_only(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw NotAResultDatabase(fmt::format("{}: no such database file", path.string()));
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw NotAResultDatabase(fmt::format("{}: is a folder, not a database file", path.string()));
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw StoreError(fmt::format("{}: is a special file, not a database file", path.string()));
  }
  // mode=ro as well as SQLITE_OPEN_READONLY: no flag combination may create
  // the file, even if it disappears between the check above and the open.
  auto db = std::make_unique<Database>(path.string(), read_only_file_uri(path),
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  db->set_busy_timeout(kBusyTimeoutMs);
  schema::check_usable(*db, schema::inspect(*db), /*for_writing=*/false);
  return db;
}

std::unique_ptr<ResultStore> ResultStore::open_read_only(const std::filesystem::path& path) {
  return std::unique_ptr<ResultStore>(new ResultStore(path, open_database_read_only(path)));
}

ResultStore::ResultStore(std::filesystem::path path, std::unique_ptr<Database> db)
    : path_(std::move(path)), db_(std::move(db)), pending_(std::make_unique<Pending>()) {}

ResultStore::~ResultStore() {
  // Last chance for buffered rows; a destructor cannot report a failure, and
  // the run they belong to will not be marked done without a finish_run.
  if (pending_->rows() > 0 && !db_->read_only()) {
    try {
      flush();
    } catch (const StoreError&) {
    }
  }
  // The cached statements must be finalized before the connection closes.
  pending_.reset();
}

void ResultStore::require_writable(const char* action) const {
  if (db_->read_only()) {
    throw StoreError(fmt::format("{}: opened read-only; cannot {}", path_.string(), action));
  }
}

RegisterOutcome ResultStore::register_sweep(const SweepRecord& sweep,
                                            const std::vector<RunRecord>& runs) {
  require_writable("register a sweep");
  const std::string& path = path_.string();

  // Check every swept column before writing anything.
  const std::vector<std::string>& fixed = schema::runs_fixed_columns();
  std::map<std::string, SqlType> wanted;
  for (const RunRecord& run : runs) {
    std::set<std::string> seen;
    for (const auto& [name, value] : run.swept) {
      if (!schema::is_valid_swept_column_name(name)) {
        throw StoreError(fmt::format(
            "{}: cannot register sweep {}: swept column name '{}' (run {}) must be lowercase "
            "letters, digits and '_', starting with a letter",
            path, sweep.name, name, run.run_key));
      }
      if (std::find(fixed.begin(), fixed.end(), name) != fixed.end()) {
        throw StoreError(fmt::format(
            "{}: cannot register sweep {}: swept column name '{}' (run {}) is taken by a "
            "built-in column of runs",
            path, sweep.name, name, run.run_key));
      }
      if (!seen.insert(name).second) {
        throw StoreError(
            fmt::format("{}: cannot register sweep {}: run {} lists swept column '{}' twice", path,
                        sweep.name, run.run_key, name));
      }
      const SqlType type = type_of(value);
      auto [it, inserted] = wanted.emplace(name, type);
      if (!inserted && it->second != type) {
        it->second = (type == SqlType::kText || it->second == SqlType::kText) ? SqlType::kText
                                                                              : SqlType::kReal;
      }
    }
  }

  Transaction tx(*db_);

  std::set<std::string> existing;
  {
    Statement columns = db_->prepare("PRAGMA table_info(runs)", "cannot read runs' columns");
    while (columns.step()) existing.insert(columns.column_text(1));
  }
  for (const auto& [name, type] : wanted) {
    if (existing.count(name) == 0) {
      db_->exec(fmt::format("ALTER TABLE runs ADD COLUMN {} {}", quote_identifier(name),
                            type_name(type)));
    }
  }

  // A sweep registered again from a different file: keep the old text, and
  // let the new file alone say which runs the sweep holds. Runs it no longer
  // lists keep their rows; they are results.
  RegisterOutcome outcome;
  {
    Statement previous = db_->prepare("SELECT file_path, file_text FROM sweeps WHERE name = ?1",
                                      "cannot read sweep");
    previous.bind_text(1, sweep.name);
    if (previous.step() && previous.column_text(1) != sweep.file_text) {
      outcome.file_changed = true;
      Statement keep = db_->prepare(
          fmt::format("INSERT INTO sweep_versions (sweep, file_path, file_text, replaced_at) "
                      "VALUES (?1, ?2, ?3, {})",
                      kNowSql),
          "cannot keep the sweep's earlier file");
      keep.bind_text(1, sweep.name).bind_text(2, previous.column_text(0));
      keep.bind_text(3, previous.column_text(1));
      previous.reset();
      keep.run();
      std::set<std::string> planned;
      for (const RunRecord& run : runs) planned.insert(run.run_key);
      Statement old_links = db_->prepare("SELECT run_key FROM sweep_runs WHERE sweep = ?1",
                                         "cannot read the sweep's runs");
      old_links.bind_text(1, sweep.name);
      while (old_links.step()) {
        if (planned.count(old_links.column_text(0)) == 0) ++outcome.runs_left_out;
      }
      Statement unlink =
          db_->prepare("DELETE FROM sweep_runs WHERE sweep = ?1", "cannot relink the sweep");
      unlink.bind_text(1, sweep.name);
      unlink.run();
    }
  }

  Statement upsert_sweep = db_->prepare(
      fmt::format("INSERT INTO sweeps (name, file_path, file_text, created_at, updated_at) "
                  "VALUES (?1, ?2, ?3, {0}, {0}) ON CONFLICT (name) DO UPDATE SET "
                  "file_path = excluded.file_path, file_text = excluded.file_text, "
                  "updated_at = excluded.updated_at",
                  kNowSql),
      "cannot record sweep");
  upsert_sweep.bind_text(1, sweep.name).bind_text(2, sweep.file_path).bind_text(3, sweep.file_text);
  upsert_sweep.run();

  // Runs of one sweep usually share their swept columns, so statements are
  // cached by column list (insert) and by column (fill-in update).
  std::map<std::string, Statement> inserts;
  std::map<std::string, Statement> fill_ins;
  Statement link = db_->prepare(
      "INSERT OR REPLACE INTO sweep_runs (sweep, run_key, position) VALUES (?1, ?2, ?3)",
      "cannot link run to sweep");

  for (const RunRecord& run : runs) {
    std::string columns;
    std::string params;
    for (std::size_t i = 0; i < run.swept.size(); ++i) {
      columns += ", " + quote_identifier(run.swept[i].first);
      params += fmt::format(", ?{}", i + 5);
    }
    auto it = inserts.find(columns);
    if (it == inserts.end()) {
      const std::string sql = fmt::format(
          "INSERT INTO runs (run_key, sweep, position, config_json, status, queued_at{}) "
          "VALUES (?1, ?2, ?3, ?4, 'queued', {}{}) ON CONFLICT (run_key) DO NOTHING",
          columns, kNowSql, params);
      it = inserts.emplace(columns, db_->prepare(sql, "cannot record run")).first;
    }
    Statement& insert = it->second;
    insert.bind_text(1, run.run_key).bind_text(2, sweep.name).bind_int64(3, run.position);
    insert.bind_text(4, run.config_json);
    for (std::size_t i = 0; i < run.swept.size(); ++i) {
      bind_column_value(insert, static_cast<int>(i + 5), run.swept[i].second);
    }
    insert.run();

    if (db_->changes() == 0) {
      // Known run (from an earlier registration or another sweep): its status
      // and rows stay; only swept columns it has no value for yet are filled.
      for (const auto& [name, value] : run.swept) {
        auto fill = fill_ins.find(name);
        if (fill == fill_ins.end()) {
          const std::string sql =
              fmt::format("UPDATE runs SET {0} = ?1 WHERE run_key = ?2 AND {0} IS NULL",
                          quote_identifier(name));
          fill = fill_ins.emplace(name, db_->prepare(sql, "cannot record run")).first;
        }
        bind_column_value(fill->second, 1, value);
        fill->second.bind_text(2, run.run_key);
        fill->second.run();
      }
    }

    link.bind_text(1, sweep.name).bind_text(2, run.run_key).bind_int64(3, run.position);
    link.run();
  }

  // Every swept column gets a value for every run, also for runs whose own
  // sweep did not sweep that key.
  schema::fill_swept_columns(*db_);
  tx.commit();
  return outcome;
}

std::map<std::string, RunStatus> ResultStore::run_statuses(const std::string& sweep_name) const {
  Statement stmt = db_->prepare(
      "SELECT r.run_key, r.status FROM sweep_runs AS s JOIN runs AS r ON r.run_key = s.run_key "
      "WHERE s.sweep = ?1",
      "cannot read run statuses");
  stmt.bind_text(1, sweep_name);
  std::map<std::string, RunStatus> statuses;
  while (stmt.step()) statuses.emplace(stmt.column_text(0), parse_run_status(stmt.column_text(1)));
  return statuses;
}

std::vector<RunSummary> ResultStore::run_summaries() const { return read_summaries(""); }

std::optional<RunSummary> ResultStore::run_summary(const std::string& run_key) const {
  std::vector<RunSummary> found = read_summaries(run_key);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<RunSummary> ResultStore::read_summaries(const std::string& run_key) const {
  Statement stmt = db_->prepare(
      // A run is listed under every sweep that holds it; a run no sweep's
      // current file lists any more is listed where it was first planned.
      fmt::format("SELECT r.run_key, coalesce(l.sweep, r.sweep), coalesce(l.position, "
                  "r.position), r.status, r.steps_done, r.first_nonfinite_step, r.error, "
                  "r.device, r.train_seconds, r.pid, r.host, l.sweep IS NOT NULL, r.execution, "
                  "r.stack_group FROM runs AS r "
                  "LEFT JOIN sweep_runs AS l ON l.run_key = r.run_key {}ORDER BY 2, 3, 1",
                  run_key.empty() ? "" : "WHERE r.run_key = ?1 "),
      "cannot read runs");
  if (!run_key.empty()) stmt.bind_text(1, run_key);
  std::vector<RunSummary> summaries;
  while (stmt.step()) {
    RunSummary s;
    s.run_key = stmt.column_text(0);
    s.sweep = stmt.column_text(1);
    s.position = static_cast<int>(stmt.column_int64(2));
    s.status = parse_run_status(stmt.column_text(3));
    s.steps_done = stmt.column_int64(4);
    s.first_nonfinite_step = optional_int64(stmt, 5);
    s.error = stmt.column_text(6);
    s.device = stmt.column_text(7);
    s.train_seconds = stmt.column_double(8);  // 0 while NULL
    s.pid = stmt.column_int64(9);
    s.host = stmt.column_text(10);
    s.in_sweep_file = stmt.column_int64(11) != 0;
    s.execution = stmt.column_text(12);
    s.stack_group = stmt.column_text(13);
    summaries.push_back(std::move(s));
  }
  return summaries;
}

std::vector<SweepSummary> ResultStore::sweep_summaries() const {
  Statement stmt = db_->prepare(
      "SELECT s.name, (SELECT count(*) FROM sweep_runs AS l WHERE l.sweep = s.name), "
      "s.created_at FROM sweeps AS s ORDER BY s.name",
      "cannot read sweeps");
  std::vector<SweepSummary> summaries;
  while (stmt.step()) {
    SweepSummary s;
    s.name = stmt.column_text(0);
    s.runs = static_cast<int>(stmt.column_int64(1));
    s.created_at = stmt.column_text(2);
    summaries.push_back(std::move(s));
  }
  return summaries;
}

StartOutcome ResultStore::start_run(const std::string& run_key, const RunEnvironment& env,
                                    const std::optional<ResumePoint>& resume) {
  require_writable("start a run");
  // Rows still buffered may belong to this run's earlier attempt; they must
  // reach the file before the delete below, or they would survive it.
  flush();

  // BEGIN IMMEDIATE holds the write lock from the check to the update, so
  // two processes cannot both claim the run.
  Transaction tx(*db_);
  Statement current = db_->prepare("SELECT status, host, pid FROM runs WHERE run_key = ?1",
                                   fmt::format("cannot read run {}", run_key));
  current.bind_text(1, run_key);
  if (!current.step()) {
    throw StoreError(
        fmt::format("{}: cannot start run {}: no such run (its sweep was not "
                    "registered)",
                    path_.string(), run_key));
  }
  const RunStatus status = parse_run_status(current.column_text(0));
  const std::string holder_host = current.column_text(1);
  const std::int64_t holder_pid = current.column_int64(2);
  current.reset();
  if (status == RunStatus::kDone || status == RunStatus::kDiverged) {
    return StartOutcome::kAlreadyFinished;
  }
  // A run marked running by a live process on this host is being trained
  // there. A holder on another host cannot be checked and is taken to be
  // dead: sharing one database file between machines is not supported.
  if (status == RunStatus::kRunning && holder_host == env.host && holder_pid != env.pid &&
      same_program_is_alive(holder_pid)) {
    return StartOutcome::kBusy;
  }

  bool resuming = false;
  if (resume) {
    Statement count = db_->prepare("SELECT count(*) FROM steps WHERE run_key = ?1 AND step < ?2",
                                   fmt::format("cannot count the steps of run {}", run_key));
    count.bind_text(1, run_key).bind_int64(2, resume->step);
    count.step();
    resuming = count.column_int64(0) == resume->expected_step_rows;
  }
  for (std::string_view table : kRowTables) {
    // Step rows and layer gradients at step s were measured by step s,
    // which the checkpoint does not include; evaluations and samples at s
    // were taken after it, before the checkpoint was written.
    const bool measured_in_step = table == "steps" || table == "layer_grads";
    const std::string condition =
        !resuming ? "" : (measured_in_step ? " AND step >= ?2" : " AND step > ?2");
    Statement del =
        db_->prepare(fmt::format("DELETE FROM {} WHERE run_key = ?1{}", table, condition),
                     fmt::format("cannot clear {} of run {}", table, run_key));
    del.bind_text(1, run_key);
    if (resuming) del.bind_int64(2, resume->step);
    del.run();
  }
  Statement update = db_->prepare(
      fmt::format("UPDATE runs SET status = 'running', attempts = attempts + 1, "
                  "started_at = {}, finished_at = NULL, error = NULL, "
                  "first_nonfinite_step = NULL, steps_done = ?8, train_seconds = NULL, "
                  "device = ?2, threads = ?3, torch_version = ?4, host = ?5, git_commit = ?6, "
                  "pid = ?7, execution = ?9, stack_group = nullif(?10, '') WHERE run_key = ?1",
                  kNowSql),
      fmt::format("cannot start run {}", run_key));
  update.bind_text(1, run_key).bind_text(2, env.device).bind_int64(3, env.threads);
  update.bind_text(4, env.torch_version).bind_text(5, env.host).bind_text(6, env.git_commit);
  update.bind_int64(7, env.pid).bind_int64(8, resuming ? resume->step : 0);
  update.bind_text(9, env.execution).bind_text(10, env.stack_group);
  update.run();
  tx.commit();
  return resuming ? StartOutcome::kResumed : StartOutcome::kStarted;
}

bool ResultStore::fail_unfinished_run(const std::string& run_key, std::int64_t pid,
                                      const std::string& error) {
  require_writable("mark a run failed");
  flush();
  Transaction tx(*db_);
  Statement update =
      db_->prepare(fmt::format("UPDATE runs SET status = 'failed', error = ?2, finished_at = {} "
                               "WHERE run_key = ?1 AND status NOT IN ('done', 'diverged') "
                               "AND (status != 'running' OR pid = ?3)",
                               kNowSql),
                   fmt::format("cannot mark run {} failed", run_key));
  update.bind_text(1, run_key).bind_text(2, error).bind_int64(3, pid);
  update.run();
  const bool changed = db_->changes() > 0;
  tx.commit();
  return changed;
}

ForgetProblems ResultStore::forget_runs(const std::vector<std::string>& run_keys) {
  require_writable("forget runs");
  flush();
  Transaction tx(*db_);
  ForgetProblems problems;
  const std::string self_host = host_name();
  for (const std::string& key : run_keys) {
    Statement current = db_->prepare("SELECT status, host, pid FROM runs WHERE run_key = ?1",
                                     fmt::format("cannot read run {}", key));
    current.bind_text(1, key);
    if (!current.step()) {
      problems.unknown.push_back(key);
      continue;
    }
    if (parse_run_status(current.column_text(0)) == RunStatus::kRunning &&
        current.column_text(1) == self_host && same_program_is_alive(current.column_int64(2))) {
      problems.busy.push_back(key);
    }
  }
  if (!problems.unknown.empty() || !problems.busy.empty()) return problems;  // rolls back
  for (const std::string& key : run_keys) {
    for (std::string_view table : kRowTables) {
      Statement del = db_->prepare(fmt::format("DELETE FROM {} WHERE run_key = ?1", table),
                                   fmt::format("cannot clear {} of run {}", table, key));
      del.bind_text(1, key);
      del.run();
    }
    Statement update = db_->prepare(
        fmt::format("UPDATE runs SET status = 'queued', attempts = 0, queued_at = {}, "
                    "started_at = NULL, finished_at = NULL, error = NULL, "
                    "first_nonfinite_step = NULL, steps_done = 0, train_seconds = NULL, "
                    "pid = NULL WHERE run_key = ?1",
                    kNowSql),
        fmt::format("cannot forget run {}", key));
    update.bind_text(1, key);
    update.run();
  }
  tx.commit();
  return problems;
}

void ResultStore::append_step(const std::string& run_key, const StepRow& row) {
  require_writable("record steps");
  pending_->steps.push_back({run_key, row});
  flush_if_due();
}

void ResultStore::append_eval(const std::string& run_key, const EvalRow& row) {
  require_writable("record evaluations");
  pending_->evals.push_back({run_key, row});
  flush_if_due();
}

void ResultStore::append_layer_grads(const std::string& run_key,
                                     const std::vector<LayerGradRow>& rows) {
  require_writable("record layer gradients");
  for (const LayerGradRow& row : rows) pending_->layer_grads.push_back({run_key, row});
  flush_if_due();
}

void ResultStore::append_sample(const std::string& run_key, const SampleRow& row) {
  require_writable("record samples");
  // Checked now, while the caller's stack still says where the sample came
  // from, rather than at a later flush.
  std::int64_t expected = 1;
  bool valid = true;
  for (std::int64_t dim : row.shape) {
    if (dim < 0) valid = false;
    expected *= dim;
  }
  if (!valid || expected != static_cast<std::int64_t>(row.values.size())) {
    throw StoreError(fmt::format(
        "{}: cannot record sample of run {} at step {}: shape [{}] does not match its {} values",
        path_.string(), run_key, row.step, fmt::join(row.shape, ", "), row.values.size()));
  }
  pending_->samples.push_back(
      {run_key, row.step, nlohmann::json(row.shape).dump(), float32_le_bytes(row.values)});
  flush_if_due();
}

void ResultStore::flush_if_due() {
  const auto now = std::chrono::steady_clock::now();
  if (pending_->rows() >= pending_->flush_rows ||
      now - pending_->last_flush >= pending_->flush_interval) {
    flush();
  }
}

void ResultStore::flush() {
  require_writable("write rows");
  Pending& p = *pending_;
  if (p.rows() == 0) {
    p.last_flush = std::chrono::steady_clock::now();
    return;
  }

  // All pending rows go in one transaction: one WAL commit instead of one per
  // row, and a kill leaves either all of them or none.
  Transaction tx(*db_);
  if (!p.steps.empty()) {
    if (!p.insert_step) {
      std::string columns;
      std::string params;
      for (int i = 0; i < kStepMetricCount; ++i) {
        columns += fmt::format(", {}", kStepMetricColumns[i]);
        params += fmt::format(", ?{}", i + 3);
      }
      p.insert_step = db_->prepare(
          fmt::format("INSERT INTO steps (run_key, step{}, nan_mask) VALUES (?1, ?2{}, ?{})",
                      columns, params, kStepMetricCount + 3),
          "cannot write steps");
    }
    Statement& stmt = *p.insert_step;
    for (const auto& [run_key, row] : p.steps) {
      std::uint32_t nan_mask = 0;
      const auto values = step_metric_values(row);
      stmt.bind_text(1, run_key).bind_int64(2, row.step);
      for (int i = 0; i < kStepMetricCount; ++i) {
        if (std::isnan(values[i])) nan_mask |= nan_bit(i);
        bind_real(stmt, i + 3, values[i]);
      }
      stmt.bind_int64(kStepMetricCount + 3, nan_mask);
      try {
        stmt.run();
      } catch (const StoreError& e) {
        rethrow_for_row(e, "steps", run_key, row.step);
      }
    }
    // Progress for `gansweep status` while a run trains: the steps whose
    // rows are now committed (finish_run sets the final count).
    std::map<std::string, std::int64_t> recorded_until;
    for (const auto& [run_key, row] : p.steps) {
      auto& until = recorded_until[run_key];
      until = std::max(until, row.step + 1);
    }
    Statement progress =
        db_->prepare("UPDATE runs SET steps_done = max(steps_done, ?2) WHERE run_key = ?1",
                     "cannot record progress");
    for (const auto& [run_key, until] : recorded_until) {
      progress.bind_text(1, run_key).bind_int64(2, until);
      progress.run();
    }
  }
  if (!p.evals.empty()) {
    if (!p.insert_eval) {
      p.insert_eval = db_->prepare(
          "INSERT INTO evals (run_key, step, modes_covered, high_quality_fraction, mode_kl, "
          "frechet_distance, classes_covered, class_kl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
          "cannot write evals");
    }
    Statement& stmt = *p.insert_eval;
    for (const auto& [run_key, row] : p.evals) {
      stmt.bind_text(1, run_key).bind_int64(2, row.step);
      bind_real(stmt, 3, row.modes_covered);
      bind_real(stmt, 4, row.high_quality_fraction);
      bind_real(stmt, 5, row.mode_kl);
      bind_real(stmt, 6, row.frechet_distance);
      bind_real(stmt, 7, row.classes_covered);
      bind_real(stmt, 8, row.class_kl);
      try {
        stmt.run();
      } catch (const StoreError& e) {
        rethrow_for_row(e, "evals", run_key, row.step);
      }
    }
  }
  if (!p.layer_grads.empty()) {
    if (!p.insert_layer_grad) {
      p.insert_layer_grad = db_->prepare(
          "INSERT INTO layer_grads (run_key, step, net, layer, grad_norm) "
          "VALUES (?1, ?2, ?3, ?4, ?5)",
          "cannot write layer_grads");
    }
    Statement& stmt = *p.insert_layer_grad;
    for (const auto& [run_key, row] : p.layer_grads) {
      stmt.bind_text(1, run_key).bind_int64(2, row.step).bind_text(3, row.net);
      stmt.bind_text(4, row.layer);
      bind_real(stmt, 5, row.grad_norm);
      try {
        stmt.run();
      } catch (const StoreError& e) {
        rethrow_for_row(e, "layer_grads", run_key, row.step);
      }
    }
  }
  if (!p.samples.empty()) {
    if (!p.insert_sample) {
      p.insert_sample =
          db_->prepare("INSERT INTO samples (run_key, step, shape, data) VALUES (?1, ?2, ?3, ?4)",
                       "cannot write samples");
    }
    Statement& stmt = *p.insert_sample;
    for (const auto& sample : p.samples) {
      stmt.bind_text(1, sample.run_key).bind_int64(2, sample.step);
      stmt.bind_text(3, sample.shape_json).bind_blob(4, sample.data.data(), sample.data.size());
      try {
        stmt.run();
      } catch (const StoreError& e) {
        rethrow_for_row(e, "samples", sample.run_key, sample.step);
      }
    }
  }
  tx.commit();
  // Only now: after a failure the rows stay buffered, and the transaction's
  // rollback means a retry cannot write any of them twice.
  p.clear();
  p.last_flush = std::chrono::steady_clock::now();
}

void ResultStore::finish_run(const std::string& run_key, const RunOutcome& outcome) {
  require_writable("finish a run");
  flush();
  Transaction tx(*db_);
  Statement update = db_->prepare(
      fmt::format("UPDATE runs SET status = ?2, error = ?3, first_nonfinite_step = ?4, "
                  "steps_done = ?5, train_seconds = ?6, finished_at = {} WHERE run_key = ?1",
                  kNowSql),
      fmt::format("cannot finish run {}", run_key));
  update.bind_text(1, run_key).bind_text(2, to_string(outcome.status));
  bind_text_or_null(update, 3, outcome.error);
  if (outcome.first_nonfinite_step) {
    update.bind_int64(4, *outcome.first_nonfinite_step);
  } else {
    update.bind_null(4);
  }
  update.bind_int64(5, outcome.steps_done);
  bind_real(update, 6, outcome.train_seconds);
  update.run();
  if (db_->changes() == 0) {
    throw StoreError(fmt::format("{}: cannot finish run {}: no such run", path_.string(), run_key));
  }
  tx.commit();
}

void ResultStore::set_flush_policy(std::size_t flush_rows,
                                   std::chrono::milliseconds flush_interval) {
  pending_->flush_rows = flush_rows;
  pending_->flush_interval = flush_interval;
}

}  // namespace gansweep::store
