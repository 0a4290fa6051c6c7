// Checks, before a database is created or touched, what would otherwise
// fail every run: the devices asked for exist and the data files are there
// and well-formed. Loads the data into the process cache as a side effect.
#pragma once

#include "config/sweep_plan.h"
#include "runner/sweep_runner.h"

namespace gansweep {

// Throws DeviceError or data::DataError with a message naming the device or
// file.
void preflight(const SweepPlan& plan, const RunnerOptions& options);

}  // namespace gansweep
