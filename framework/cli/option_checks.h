// Checks of option values shared by several subcommands.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace gansweep::cli {

// A number of seconds from 0 to 1e9, finite (CLI::Range lets NaN through).
CLI::Validator finite_seconds();

// Throws CLI::ValidationError naming `option` unless the database at
// `db_path` holds a sweep called `sweep` (a typo would otherwise select
// nothing and look like an empty result).
void check_sweep_exists(const std::string& db_path, const std::string& sweep,
                        const std::string& option = "--sweep");

}  // namespace gansweep::cli
