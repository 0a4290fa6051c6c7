// Turning run keys typed by a user (whole, or a unique prefix as `status`
// prints them) into the run keys of a sweep.
#pragma once

#include <string>
#include <vector>

#include "config/sweep_plan.h"

namespace gansweep::cli {

// The full keys, in the order given, without repeats. Throws
// CLI::ValidationError for `option` naming a key that matches no run of the
// plan, or more than one.
std::vector<std::string> select_runs(const SweepPlan& plan, const std::vector<std::string>& typed,
                                     const std::string& option);

// The same against a list of known keys (a database's runs).
std::vector<std::string> select_keys(const std::vector<std::string>& known,
                                     const std::vector<std::string>& typed,
                                     const std::string& option);

}  // namespace gansweep::cli
