// The database records of a sweep's planned runs: resolved settings as JSON
// and one column value per swept setting. Torch-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/sweep_plan.h"
#include "store/records.h"

namespace gansweep {

// `device` overrides train.device in the stored settings (what the run is
// asked to use).
store::RunRecord run_record(const PlannedRun& run, const std::optional<std::string>& device);
std::vector<store::RunRecord> run_records(const SweepPlan& plan,
                                          const std::optional<std::string>& device);
store::SweepRecord sweep_record(const SweepPlan& plan);

}  // namespace gansweep
