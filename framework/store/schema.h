// The result database's schema: creating it, migrating older files forward
// step by step (keyed by PRAGMA user_version), and refusing files this build
// must not touch (not SQLite, not gansweep, or from a newer gansweep).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace gansweep::store::schema {

// The schema version this build writes and reads.
inline constexpr int kCurrentVersion = 3;

// The columns `runs` is created with, which a swept column may not shadow.
const std::vector<std::string>& runs_fixed_columns();

// A swept setting's column in `runs` ("train_lr" for train.lr) must match
// ^[a-z][a-z0-9_]*$: safe as a column name in any SQL tool, and unambiguous
// since SQLite compares column names case-insensitively.
bool is_valid_swept_column_name(std::string_view name);

struct SweptColumn {
  std::string name;
  std::string type;  // as declared: INTEGER, REAL or TEXT
};

// The swept columns of `runs` in the database attached as `schema_name`
// ("main" for the file itself): every column but the fixed ones, in table
// order.
std::vector<SweptColumn> swept_columns(Database& db, std::string_view schema_name = "main");

// Fills every swept column still NULL from the run's resolved settings
// ("train_lr" is $.train.lr in config_json; section names have no '_';
// "train_phases_0_steps" is $.train.phases[0].steps), so
// each run has a value in every column, also for keys its own sweep did not
// sweep.
void fill_swept_columns(Database& db);

// What a just-opened file holds, read without writing anything.
struct FileState {
  int user_version = 0;
  std::vector<std::string> tables;  // user tables, sorted
};

// Reads the state. Throws StoreError naming the path when the file is not an
// SQLite database at all.
FileState inspect(Database& db);

// Throws StoreError naming the path when a file in `state` cannot be used:
// a newer schema version, or an SQLite database that is not gansweep's. With
// `for_writing` false an empty or older file is refused too, since a reader
// may not create or migrate the schema.
void check_usable(const Database& db, const FileState& state, bool for_writing);

// Brings the schema to kCurrentVersion, running each migration step in turn.
// Must be called inside an IMMEDIATE transaction, so that two processes
// opening a new file at once cannot both create it.
void create_or_migrate(Database& db);

// Runs the migration steps up to `target_version` only (at most
// kCurrentVersion): how a test makes a file of an older version with the
// very SQL that version used. A file already at or past it is left as it is.
void migrate_to(Database& db, int target_version);

}  // namespace gansweep::store::schema
