// Checks, before a database is created or touched, what would otherwise
// fail every run: the devices asked for exist and the data files are there
// and well-formed. Loads the data into the process cache as a side effect.
#pragma once

#include <stdexcept>

#include <filesystem>
#include <string>
#include <vector>
#include "config/sweep_plan.h"

namespace gansweep {

// A database or output path that cannot be used (a folder, a device file, a
// path through a file).
class OutputPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ConfigError (located in the sweep file) for missing or corrupt
// data, a device that is not there or a batch larger than the data set;
// DeviceError for a device of `device_overrides` (from the option named
// `override_option`, --device or --devices, which replace train.device)
// that is not there; OutputPathError.
void preflight(const SweepPlan& plan, const std::filesystem::path& db_path,
               const std::vector<std::string>& device_overrides,
               const std::string& override_option = "--devices");

}  // namespace gansweep
