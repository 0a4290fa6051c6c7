// The runs of a result database as rows a researcher can filter and rank:
// their settings, status and outcome (the last recorded step row and the
// last evaluation). A non-finite value never satisfies a numeric filter and
// a run that did not finish never ranks ahead of one that did, unless the
// caller asks for non-finite values. Torch-free; opens the file read-only.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "query/run_filter.h"

namespace gansweep::query {

struct RunQuery {
  std::vector<RunFilter> filters;  // all must hold
  std::string sweep;               // only this sweep's runs when not empty
  std::optional<RunField> sort_by;
  bool descending = false;
  bool include_nonfinite = false;  // let NaN and +-inf satisfy numeric filters
};

// A value as stored: absent (no row, or a NULL that is not a NaN), a
// number (possibly +-inf), a NaN, or text.
struct Cell {
  enum class Kind { kMissing, kNumber, kNan, kText };
  Kind kind = Kind::kMissing;
  double number = 0;
  std::string text;
  std::string display() const;  // "", "0.0001", "inf", "nan", text
};

struct RunRow {
  std::string run_key;
  std::string sweep;
  int position = 0;
  std::string status;
  std::map<std::string, Cell> fields;  // by field name, settings by path
};

struct RunTable {
  std::vector<std::string> settings;  // setting paths whose values differ between rows
  // Outcome fields shown, in order: the last step row's, then the last
  // evaluation's quality measures of the data kinds listed.
  std::vector<std::string> outcomes;
  std::vector<RunRow> rows;
};

// Throws store::StoreError for an unreadable database.
RunTable query_runs(const std::filesystem::path& db_path, const RunQuery& query);

}  // namespace gansweep::query
