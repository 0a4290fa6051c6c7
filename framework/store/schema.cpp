// The result database's schema, version by version, and the migration
// machinery. A
// migration is a step from version N to N+1; version 0 is an empty file, so
// creating the schema is simply the first step.

#include "store/schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gansweep::store::schema {
namespace {

// Version 1. Times are ISO-8601 UTC text ("2026-12-04T15:40:26Z"), which
// sorts correctly as text and reads the same in any SQLite client.
constexpr std::string_view kVersion1 = R"sql(
-- One row per sweep file ever registered, keyed by the sweep's name. The
-- file's text is kept so a result can be traced to exactly what was asked.
CREATE TABLE sweeps (
  name TEXT PRIMARY KEY,
  file_path TEXT NOT NULL,
  file_text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- One row per run, keyed by the hash of its resolved settings, so a run
-- shared by two sweeps is trained once. `sweep` and `position` are where it
-- was first registered. register_sweep adds one column per swept setting
-- (e.g. train_lr) so that runs can be filtered with plain SQL.
CREATE TABLE runs (
  run_key TEXT PRIMARY KEY,
  sweep TEXT NOT NULL,
  position INTEGER NOT NULL,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued', 'running', 'done', 'failed', 'diverged', 'interrupted')),
  error TEXT,
  first_nonfinite_step INTEGER,
  steps_done INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  queued_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  train_seconds REAL,
  device TEXT,
  threads INTEGER,
  torch_version TEXT,
  host TEXT,
  git_commit TEXT,
  pid INTEGER
);

-- Earlier texts of a sweep file: when a sweep is registered again with a
-- different file, the text it replaces is kept here with the time it was
-- replaced.
CREATE TABLE sweep_versions (
  sweep TEXT NOT NULL,
  file_path TEXT NOT NULL,
  file_text TEXT NOT NULL,
  replaced_at TEXT NOT NULL
);

-- Which runs make up each sweep (as its file now reads), and in what order.
CREATE TABLE sweep_runs (
  sweep TEXT NOT NULL,
  run_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (sweep, run_key)
) WITHOUT ROWID;

-- One row per recorded training step. NaN is stored as NULL with its bit set
-- in nan_mask (bit order in store/step_columns.h); +-inf are stored as such.
CREATE TABLE steps (
  run_key TEXT NOT NULL,
  step INTEGER NOT NULL,
  d_loss REAL,
  g_loss REAL,
  g_grad_norm REAL,
  d_grad_norm REAL,
  d_real REAL,
  d_fake REAL,
  d_real_logit REAL,
  d_fake_logit REAL,
  dg_dp REAL,
  dg_dlogit REAL,
  wall_ms REAL,
  nan_mask INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_key, step)
) WITHOUT ROWID;

-- Sample-quality evaluations of the generator; NULL where the data kind does
-- not define a measure (or it came out NaN).
CREATE TABLE evals (
  run_key TEXT NOT NULL,
  step INTEGER NOT NULL,
  modes_covered REAL,
  high_quality_fraction REAL,
  mode_kl REAL,
  PRIMARY KEY (run_key, step)
) WITHOUT ROWID;

-- Gradient norm of each parameter tensor of G and D at a step.
CREATE TABLE layer_grads (
  run_key TEXT NOT NULL,
  step INTEGER NOT NULL,
  net TEXT NOT NULL,
  layer TEXT NOT NULL,
  grad_norm REAL,
  PRIMARY KEY (run_key, step, net, layer)
) WITHOUT ROWID;

-- Fixed-noise generator samples: `shape` is a JSON array such as [64,2], and
-- `data` holds the float32 values, little-endian, row-major.
CREATE TABLE samples (
  run_key TEXT NOT NULL,
  step INTEGER NOT NULL,
  shape TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_key, step)
) WITHOUT ROWID;
)sql";

void create_version_1(Database& db) { db.exec(kVersion1); }

// Version 2: image quality of Fashion-MNIST evaluations, NULL for toy data
// and for image evaluations recorded before version 2.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE evals ADD COLUMN frechet_distance REAL;
ALTER TABLE evals ADD COLUMN classes_covered REAL;
ALTER TABLE evals ADD COLUMN class_kl REAL;
)sql";

void add_image_quality_columns(Database& db) { db.exec(kVersion2); }

// Version 3: how each run was trained, 'separate' (a process of its own) or
// 'stacked' (with others as one batched model), and the stacked group it
// belongs to; NULL until a run starts, and for runs started before.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE runs ADD COLUMN execution TEXT;
ALTER TABLE runs ADD COLUMN stack_group TEXT;
)sql";

void add_execution_columns(Database& db) { db.exec(kVersion3); }

struct Migration {
  const char* what;  // for error messages
  void (*apply)(Database& db);
};

// kMigrations[i] takes a file from version i to i + 1. To change the schema,
// append a step here and raise kCurrentVersion; never edit a released step.
constexpr Migration kMigrations[] = {
    {"create schema version 1", &create_version_1},
    {"add the image quality columns of evals (schema version 2)", &add_image_quality_columns},
    {"add the execution mode columns of runs (schema version 3)", &add_execution_columns},
};
static_assert(std::size(kMigrations) == kCurrentVersion,
              "every version up to kCurrentVersion needs a migration step");

int read_user_version(Database& db) {
  Statement stmt = db.prepare("PRAGMA user_version", "cannot read the schema version");
  stmt.step();
  return static_cast<int>(stmt.column_int64(0));
}

bool has_table(const FileState& state, std::string_view name) {
  return std::binary_search(state.tables.begin(), state.tables.end(), name);
}

}  // namespace

const std::vector<std::string>& runs_fixed_columns() {
  // In table order (of a file created by this version; a migrated file has
  // its swept columns before the ones later versions added). clang-format
  // would put one name per line.
  // clang-format off
  static const std::vector<std::string> kColumns = {
      "run_key", "sweep", "position", "config_json", "status", "error", "first_nonfinite_step",
      "steps_done", "attempts", "queued_at", "started_at", "finished_at", "train_seconds",
      "device", "threads", "torch_version", "host", "git_commit", "pid", "execution",
      "stack_group",
  };
  // clang-format on
  return kColumns;
}

bool is_valid_swept_column_name(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<SweptColumn> swept_columns(Database& db, std::string_view schema_name) {
  const std::vector<std::string>& fixed = runs_fixed_columns();
  Statement columns = db.prepare("SELECT name, type FROM pragma_table_info('runs', ?1)",
                                 "cannot read runs' columns");
  columns.bind_text(1, schema_name);
  std::vector<SweptColumn> swept;
  while (columns.step()) {
    std::string name = columns.column_text(0);
    if (std::find(fixed.begin(), fixed.end(), name) == fixed.end()) {
      swept.push_back({std::move(name), columns.column_text(1)});
    }
  }
  return swept;
}

namespace {

// The path in config_json of a swept column's setting: "train_lr" is
// $.train.lr (section names have no '_'), and a phase's value,
// "train_phases_1_d_steps", is $.train.phases[1].d_steps (the phases are a
// list there). Empty for a name of neither form.
std::string config_json_path_of_column(const std::string& name) {
  const auto underscore = name.find('_');
  if (underscore == std::string::npos) return "";
  const std::string section = name.substr(0, underscore);
  const std::string key = name.substr(underscore + 1);
  constexpr std::string_view kPhases = "phases_";
  if (key.compare(0, kPhases.size(), kPhases) == 0) {
    const auto index_end = key.find('_', kPhases.size());
    const std::string index =
        key.substr(kPhases.size(), index_end == std::string::npos ? 0 : index_end - kPhases.size());
    if (!index.empty() &&
        std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fmt::format("$.{}.phases[{}].{}", section, index, key.substr(index_end + 1));
    }
  }
  return "$." + section + "." + key;
}

}  // namespace

void fill_swept_columns(Database& db) {
  for (const SweptColumn& column : swept_columns(db)) {
    const std::string json_path = config_json_path_of_column(column.name);
    if (json_path.empty()) continue;
    Statement fill = db.prepare(
        fmt::format("UPDATE runs SET {0} = json_extract(config_json, ?1) WHERE {0} IS NULL",
                    quote_identifier(column.name)),
        "cannot fill swept columns");
    fill.bind_text(1, json_path);
    fill.run();
  }
}

FileState inspect(Database& db) {
  FileState state;
  try {
    // The first read of the file: this is where SQLite notices a file that
    // is not a database at all.
    Statement tables = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        "cannot read the database");
    while (tables.step()) state.tables.push_back(tables.column_text(0));
  } catch (const StoreError& e) {
    if (e.sqlite_code() == SQLITE_NOTADB) {
      throw NotAResultDatabase(
          fmt::format("{}: not a gansweep result database (not even SQLite): {}", db.display_path(),
                      e.sqlite_message()),
          e.sqlite_code(), e.sqlite_message());
    }
    throw;
  }
  std::sort(state.tables.begin(), state.tables.end());
  state.user_version = read_user_version(db);
  return state;
}

void check_usable(const Database& db, const FileState& state, bool for_writing) {
  const std::string& path = db.display_path();
  if (state.user_version > kCurrentVersion) {
    throw StoreError(
        fmt::format("{}: database schema version {} is newer than this build of gansweep supports "
                    "(version {}); use a newer gansweep",
                    path, state.user_version, kCurrentVersion));
  }
  if (state.user_version < 0) {
    throw NotAResultDatabase(fmt::format("{}: not a gansweep result database (schema version {})",
                                         path, state.user_version));
  }
  if (state.user_version == 0 && !state.tables.empty()) {
    // Version 0 with tables means some other program made this file: our own
    // schema creation sets the version in the same transaction. Writing our
    // tables next to someone else's would only hide a wrong --db argument.
    const bool looks_like_ours = has_table(state, "runs") && has_table(state, "steps");
    throw NotAResultDatabase(fmt::format(
        "{}: not a gansweep result database ({}; schema version 0)", path,
        looks_like_ours ? "it has runs and steps tables but was never stamped with a version"
                        : fmt::format("it has tables {} but no runs or steps table",
                                      fmt::join(state.tables, ", "))));
  }
  if (!for_writing && state.user_version == 0) {
    throw NotAResultDatabase(
        fmt::format("{}: empty database (no gansweep results recorded yet)", path));
  }
  if (!for_writing && state.user_version < kCurrentVersion) {
    throw StoreError(
        fmt::format("{}: database schema version {} is older than this build's version {}; "
                    "migrate it with `gansweep migrate {}` (or any `gansweep run` into it)",
                    path, state.user_version, kCurrentVersion, path));
  }
}

void create_or_migrate(Database& db) { migrate_to(db, kCurrentVersion); }

void migrate_to(Database& db, int target_version) {
  if (target_version < 0 || target_version > kCurrentVersion) {
    throw StoreError(
        fmt::format("{}: cannot migrate to schema version {} (this build knows 0 to {})",
                    db.display_path(), target_version, kCurrentVersion));
  }
  // Re-inspect inside the transaction: another process may have created or
  // migrated the file between our first look and taking the write lock.
  const FileState state = inspect(db);
  check_usable(db, state, /*for_writing=*/true);
  int version = state.user_version;
  while (version < target_version) {
    try {
      kMigrations[version].apply(db);
    } catch (const StoreError& e) {
      throw StoreError(fmt::format("{} (while trying to {})", e.what(), kMigrations[version].what),
                       e.sqlite_code(), e.sqlite_message());
    }
    ++version;
  }
  if (version != state.user_version) {
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.exec(fmt::format("PRAGMA user_version = {}", version));
  }
}

}  // namespace gansweep::store::schema
