// Checks of option values shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>

namespace gansweep::cli {

// A number of seconds from 0 to 1e9, finite (CLI::Range lets NaN through).
CLI::Validator finite_seconds();

}  // namespace gansweep::cli
