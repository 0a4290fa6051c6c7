// Any SELECT a user writes, run against a result database that cannot be
// changed by it: the file is opened read-only, the connection is set to
// query_only, and an authorizer refuses ATTACH and anything that writes.
// Torch-free.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gansweep::query {

struct SqlResult {
  std::vector<std::string> columns;
  // Cells as text: NULL as "NULL", reals in their shortest round-trip form,
  // infinities as inf and -inf, blobs as x'hex'.
  std::vector<std::vector<std::string>> rows;
};

// Runs one statement. Throws std::invalid_argument for more than one
// statement or a statement that would write, and store::StoreError for SQL
// errors (with SQLite's message).
SqlResult run_read_only_sql(const std::filesystem::path& db_path, const std::string& sql);

}  // namespace gansweep::query
