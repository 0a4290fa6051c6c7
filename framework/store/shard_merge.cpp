// The shard merge: every input checked first, then each shard ATTACHed
// read-only to the target's connection and folded in with INSERT ... SELECT,
// which copies rows inside SQLite without a round trip per row.

#include "store/shard_merge.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "store/schema.h"

namespace gansweep::store {
namespace {

namespace fs = std::filesystem;

// The tables holding a run's recorded rows, copied or replaced as one.
constexpr std::string_view kRowTables[] = {"steps", "evals", "layer_grads", "samples"};

// The alias of the shard attached to the target's connection.
constexpr std::string_view kShard = "shard";

std::vector<std::string> column_names(Database& db, std::string_view schema_name,
                                      std::string_view table) {
  Statement stmt = db.prepare("SELECT name FROM pragma_table_info(?1, ?2)",
                              fmt::format("cannot read the columns of {}", table));
  stmt.bind_text(1, table).bind_text(2, schema_name);
  std::vector<std::string> names;
  while (stmt.step()) names.push_back(stmt.column_text(0));
  return names;
}

std::string column_list(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) {
    if (!list.empty()) list += ", ";
    list += quote_identifier(name);
  }
  return list;
}

std::int64_t count(Database& db, const std::string& sql) {
  Statement stmt = db.prepare(sql);
  stmt.step();
  return stmt.column_int64(0);
}

// --- Checking the inputs -----------------------------------------------------

// Everything that can be wrong with one shard, found by reading it.
void check_shard(const fs::path& shard) {
  try {
    auto db = open_database_read_only(shard);
    // A shard copied while its task was still writing, or cut short by a
    // full disk, is found here rather than half-way through the merge.
    Statement check = db->prepare("PRAGMA quick_check", "cannot check the database");
    check.step();
    if (const std::string verdict = check.column_text(0); verdict != "ok") {
      throw MergeInputError(fmt::format("{}: damaged database: {}", shard.string(), verdict));
    }
    check.reset();
    const std::vector<std::string>& fixed = schema::runs_fixed_columns();
    for (const std::string& name : column_names(*db, "main", "runs")) {
      if (std::find(fixed.begin(), fixed.end(), name) != fixed.end()) continue;
      if (!schema::is_valid_swept_column_name(name)) {
        throw MergeInputError(fmt::format(
            "{}: not a gansweep result database: runs has a column '{}' that gansweep never "
            "writes",
            shard.string(), name));
      }
    }
  } catch (const MergeInputError&) {
    throw;
  } catch (const StoreError& e) {
    // A writer that died in the middle of a commit leaves a hot journal that
    // the next writer rolls back; a read-only reader can only fail on it.
    std::error_code ec;
    const fs::path journal = shard.string() + "-journal";
    if (e.sqlite_code() == SQLITE_READONLY && fs::exists(journal, ec)) {
      throw MergeInputError(
          fmt::format("{}: a write to it was cut off and {} holds what it must roll back; "
                      "open it for writing once (run its task again, or sqlite3 {} "
                      "'PRAGMA quick_check'), then merge",
                      shard.string(), journal.string(), shard.string()),
          e.sqlite_code(), e.sqlite_message());
    }
    throw MergeInputError(e.what(), e.sqlite_code(), e.sqlite_message());
  }
}

// The target may be absent; when present it must be a gansweep database this
// build can write. Read-only here: nothing may change before every input is
// known to be good.
void check_target(const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) return;
  if (fs::is_directory(target, ec)) {
    throw MergeInputError(fmt::format("{}: is a folder, not a database file", target.string()));
  }
  if (!fs::is_regular_file(target, ec)) {
    throw MergeInputError(
        fmt::format("{}: is a special file, not a database file", target.string()));
  }
  try {
    Database db(target.string(), read_only_file_uri(target),
                SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    schema::check_usable(db, schema::inspect(db), /*for_writing=*/true);
  } catch (const StoreError& e) {
    throw MergeInputError(e.what(), e.sqlite_code(), e.sqlite_message());
  }
}

// --- Merging one shard -------------------------------------------------------

// The shard's swept columns that the target's runs table lacks, added with
// the shard's declared type.
int add_missing_columns(Database& db) {
  std::vector<std::string> present;
  for (const auto& column : schema::swept_columns(db, "main")) present.push_back(column.name);
  int added = 0;
  for (const auto& column : schema::swept_columns(db, kShard)) {
    if (std::find(present.begin(), present.end(), column.name) != present.end()) continue;
    const bool known_type =
        column.type == "INTEGER" || column.type == "REAL" || column.type == "TEXT";
    db.exec(fmt::format("ALTER TABLE main.runs ADD COLUMN {} {}", quote_identifier(column.name),
                        known_type ? column.type : ""));
    ++added;
  }
  return added;
}

struct SweepRow {
  std::string name, file_path, file_text, created_at, updated_at;
};

std::optional<SweepRow> read_sweep(Database& db, std::string_view schema_name,
                                   const std::string& name) {
  Statement stmt = db.prepare(
      fmt::format("SELECT name, file_path, file_text, created_at, updated_at FROM {}.sweeps "
                  "WHERE name = ?1",
                  schema_name),
      "cannot read sweeps");
  stmt.bind_text(1, name);
  if (!stmt.step()) return std::nullopt;
  return SweepRow{stmt.column_text(0), stmt.column_text(1), stmt.column_text(2),
                  stmt.column_text(3), stmt.column_text(4)};
}

// Keeps a replaced text of a sweep in sweep_versions unless that text is
// already kept there.
void keep_version(Database& db, const std::string& sweep, const std::string& file_path,
                  const std::string& file_text, const std::string& replaced_at) {
  Statement stmt = db.prepare(
      "INSERT INTO main.sweep_versions (sweep, file_path, file_text, replaced_at) "
      "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM main.sweep_versions "
      "WHERE sweep = ?1 AND file_text = ?3)",
      "cannot keep a sweep's earlier file");
  stmt.bind_text(1, sweep).bind_text(2, file_path).bind_text(3, file_text);
  stmt.bind_text(4, replaced_at);
  stmt.run();
}

void copy_links(Database& db, const std::string& sweep) {
  Statement stmt =
      db.prepare(fmt::format("INSERT OR IGNORE INTO main.sweep_runs (sweep, run_key, position) "
                             "SELECT sweep, run_key, position FROM {}.sweep_runs WHERE sweep = ?1",
                             kShard),
                 "cannot link runs to their sweep");
  stmt.bind_text(1, sweep);
  stmt.run();
}

// Sweeps, their earlier texts and their links to runs. A sweep registered in
// both from the same text is one sweep, and the target's row stays as it is
// (every shard of a Slurm array registers the sweep at its own time); from
// different texts, the text registered last is the sweep's file and says
// which runs it holds, and the other is kept as an earlier version.
void merge_sweeps(Database& db) {
  std::vector<std::string> names;
  {
    Statement stmt = db.prepare(fmt::format("SELECT name FROM {}.sweeps ORDER BY name", kShard),
                                "cannot read sweeps");
    while (stmt.step()) names.push_back(stmt.column_text(0));
  }
  for (const std::string& name : names) {
    const SweepRow theirs = *read_sweep(db, kShard, name);
    const std::optional<SweepRow> ours = read_sweep(db, "main", name);
    if (!ours) {
      Statement insert = db.prepare(
          "INSERT INTO main.sweeps (name, file_path, file_text, created_at, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5)",
          "cannot record sweep");
      insert.bind_text(1, theirs.name).bind_text(2, theirs.file_path);
      insert.bind_text(3, theirs.file_text).bind_text(4, theirs.created_at);
      insert.bind_text(5, theirs.updated_at);
      insert.run();
      copy_links(db, name);
    } else if (ours->file_text == theirs.file_text) {
      copy_links(db, name);
    } else if (theirs.updated_at > ours->updated_at) {
      keep_version(db, name, ours->file_path, ours->file_text, theirs.updated_at);
      Statement update = db.prepare(
          "UPDATE main.sweeps SET file_path = ?2, file_text = ?3, "
          "created_at = min(created_at, ?4), updated_at = ?5 WHERE name = ?1",
          "cannot record sweep");
      update.bind_text(1, name).bind_text(2, theirs.file_path).bind_text(3, theirs.file_text);
      update.bind_text(4, theirs.created_at).bind_text(5, theirs.updated_at);
      update.run();
      Statement unlink =
          db.prepare("DELETE FROM main.sweep_runs WHERE sweep = ?1", "cannot relink the sweep");
      unlink.bind_text(1, name);
      unlink.run();
      copy_links(db, name);
    } else {
      keep_version(db, name, theirs.file_path, theirs.file_text, ours->updated_at);
    }
  }

  // Earlier texts the shard kept, each once.
  db.exec(fmt::format(
      "INSERT INTO main.sweep_versions (sweep, file_path, file_text, replaced_at) "
      "SELECT s.sweep, s.file_path, s.file_text, s.replaced_at FROM {}.sweep_versions AS s "
      "WHERE NOT EXISTS (SELECT 1 FROM main.sweep_versions AS v WHERE v.sweep = s.sweep "
      "AND v.file_text = s.file_text AND v.replaced_at = s.replaced_at)",
      kShard));
}

// Runs and their rows. temp.merge_take lists the shard's runs to copy: those
// the target lacks, and finished copies of runs unfinished in the target
// (`replaced`, with the sweep and position the target recorded first).
void merge_runs(Database& db, const fs::path& shard, MergeOutcome& outcome) {
  db.exec(
      "CREATE TEMP TABLE IF NOT EXISTS merge_take (run_key TEXT PRIMARY KEY, "
      "replaced INTEGER NOT NULL, sweep TEXT, position INTEGER)");
  db.exec("DELETE FROM temp.merge_take");
  db.exec(
      fmt::format("INSERT INTO temp.merge_take (run_key, replaced, sweep, position) "
                  "SELECT s.run_key, m.run_key IS NOT NULL, m.sweep, m.position "
                  "FROM {0}.runs AS s LEFT JOIN main.runs AS m ON m.run_key = s.run_key "
                  "WHERE m.run_key IS NULL OR (m.status NOT IN ('done', 'diverged') "
                  "AND s.status IN ('done', 'diverged'))",
                  kShard));
  const std::int64_t in_shard = count(db, fmt::format("SELECT count(*) FROM {}.runs", kShard));
  const std::int64_t taken = count(db, "SELECT count(*) FROM temp.merge_take");
  outcome.copies_skipped += static_cast<int>(in_shard - taken);
  if (taken == 0) return;

  // Whatever the target holds of these runs goes first, so that no row of
  // an unfinished attempt survives next to the finished copy's rows.
  for (std::string_view table : kRowTables) {
    db.exec(fmt::format(
        "DELETE FROM main.{} WHERE run_key IN (SELECT run_key FROM temp.merge_take)", table));
  }
  db.exec("DELETE FROM main.runs WHERE run_key IN (SELECT run_key FROM temp.merge_take)");

  const std::string run_columns = column_list(column_names(db, kShard, "runs"));
  db.exec(
      fmt::format("INSERT INTO main.runs ({0}) SELECT {0} FROM {1}.runs "
                  "WHERE run_key IN (SELECT run_key FROM temp.merge_take)",
                  run_columns, kShard));
  // A replaced run stays listed where it was first planned.
  db.exec(
      "UPDATE main.runs SET sweep = t.sweep, position = t.position FROM temp.merge_take AS t "
      "WHERE t.replaced AND main.runs.run_key = t.run_key");
  for (std::string_view table : kRowTables) {
    const std::string columns = column_list(column_names(db, kShard, table));
    db.exec(
        fmt::format("INSERT INTO main.{0} ({1}) SELECT {1} FROM {2}.{0} "
                    "WHERE run_key IN (SELECT run_key FROM temp.merge_take)",
                    table, columns, kShard));
    outcome.rows_copied += db.changes();
  }

  Statement copied = db.prepare(
      "SELECT t.run_key, t.replaced, r.status FROM temp.merge_take AS t "
      "JOIN main.runs AS r ON r.run_key = t.run_key ORDER BY t.run_key",
      "cannot read merged runs");
  while (copied.step()) {
    outcome.copied.push_back({copied.column_text(0), shard, parse_run_status(copied.column_text(2)),
                              copied.column_int64(1) != 0});
  }
}

void merge_one(Database& db, const fs::path& shard, MergeOutcome& outcome) {
  // ATTACH cannot be undone inside a transaction once the shard was read,
  // so each shard is attached, merged in its own transaction and detached.
  {
    Statement attach = db.prepare(fmt::format("ATTACH DATABASE ?1 AS {}", kShard),
                                  fmt::format("cannot attach shard {}", shard.string()));
    attach.bind_text(1, read_only_file_uri(shard));
    attach.run();
  }
  try {
    Transaction tx(db);
    outcome.columns_added += add_missing_columns(db);
    merge_sweeps(db);
    merge_runs(db, shard, outcome);
    // Runs the target held before get values in the columns just added, and
    // copied runs in the columns the target had and the shard lacked.
    schema::fill_swept_columns(db);
    tx.commit();
  } catch (const StoreError& e) {
    // The transaction is rolled back by now; the detach can only fail if the
    // connection itself is gone, and the merge error is the one to report.
    sqlite3_exec(db.handle(), "DETACH DATABASE shard", nullptr, nullptr, nullptr);
    throw StoreError(fmt::format("{} (while merging {})", e.what(), shard.string()),
                     e.sqlite_code(), e.sqlite_message());
  }
  db.exec(fmt::format("DETACH DATABASE {}", kShard));
}

}  // namespace

MergeOutcome merge_shards(const std::vector<fs::path>& shards, const fs::path& target,
                          JournalMode journal) {
  // Every input first: a bad shard must leave the target as it was.
  check_target(target);
  std::error_code ec;
  for (const fs::path& shard : shards) {
    check_shard(shard);
    if (fs::exists(target, ec) && fs::equivalent(shard, target, ec)) {
      throw MergeInputError(fmt::format("{}: is the merge target itself", shard.string()));
    }
  }

  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  auto db = open_database_for_writing(target, journal);
  MergeOutcome outcome;
  for (const fs::path& shard : shards) {
    merge_one(*db, shard, outcome);
    ++outcome.shards;
  }
  outcome.unfinished = static_cast<int>(
      count(*db, "SELECT count(*) FROM runs WHERE status NOT IN ('done', 'diverged')"));
  return outcome;
}

std::set<std::string> finished_run_keys(const fs::path& db_path) {
  auto db = open_database_read_only(db_path);
  Statement stmt = db->prepare("SELECT run_key FROM runs WHERE status IN ('done', 'diverged')",
                               "cannot read runs");
  std::set<std::string> keys;
  while (stmt.step()) keys.insert(stmt.column_text(0));
  return keys;
}

}  // namespace gansweep::store
