// Any SELECT a user writes, run against a result database that cannot be
// changed by it: the file is opened read-only, the connection is set to
// query_only, and an authorizer refuses ATTACH and anything that writes.
// Torch-free.
#pragma once

#include <chrono>
#include <cstddef>
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

struct SqlLimits {
  std::chrono::seconds time{60};     // then the statement is interrupted
  std::size_t max_rows = 1'000'000;  // rows kept for output
};

// Runs one statement. Throws std::invalid_argument for more than one
// statement or a statement that would write, and store::StoreError for SQL
// errors (with SQLite's message).
// Results over SqlLimits are refused with std::invalid_argument; values over
// 64 MiB fail in SQLite.
SqlResult run_read_only_sql(const std::filesystem::path& db_path, const std::string& sql,
                            const SqlLimits& limits = {});

}  // namespace gansweep::query
