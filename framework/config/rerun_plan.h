// The second stage of a sweep file with rerun_best:: the checks that need
// the planned runs (is the metric measured on this data, does every run
// evaluate inside the window, are the rerun seeds fresh) and the runs that
// rerun a chosen setting with the fresh seeds. Which settings are best is
// read from the database (query/best_settings.h). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/sweep_plan.h"

namespace gansweep {

// Throws ConfigError (at the rerun_best: entry concerned) when the metric
// is not measured on a run's data, a run has no evaluation in the window,
// first_seed repeats a seed of the sweep, or the reruns would be too many.
// plan_sweep calls it.
void check_rerun_best(const SweepPlan& plan);

// The seeds every chosen setting is rerun with: `seeds` consecutive ones
// from first_seed, by default from one above the sweep's highest train.seed.
std::vector<std::uint64_t> rerun_seeds(const SweepPlan& plan);

// The run key a run would have with seed 0: equal for runs that differ only
// in train.seed, which are one setting.
std::string setting_key(const Experiment& experiment);

// The sweep the reruns are registered as: "<name>.rerun_best".
std::string rerun_sweep_name(const std::string& sweep_name);

// Each chosen run of `search` (by position) once per rerun seed, in the
// order given, seeds varying fastest; train.seed is a swept column.
SweepPlan plan_reruns(const SweepPlan& search, const std::vector<int>& chosen_positions);

}  // namespace gansweep
