// Pooled statistics of one per-step metric over a window of steps, grouped
// by a setting: "the median g_grad_norm over the first 200 steps, per loss".
// Non-finite values (NaN, stored as NULL, and +-inf) never enter a statistic;
// they are counted and reported instead. Torch-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/step_window.h"

namespace gansweep::query {

using gansweep::parse_step_window;
using gansweep::StepWindow;

struct GroupSummary {
  std::string group;  // the setting's value, as text
  std::int64_t runs = 0;
  std::int64_t values = 0;   // finite values pooled
  std::int64_t skipped = 0;  // NaN or +-inf values left out
  double median = 0;
  double q25 = 0;
  double q75 = 0;
};

// `metric` is a column of `steps` (g_grad_norm, dg_dlogit, ...); `group_by`
// a dotted setting path such as train.loss, read from each run's resolved
// config. Only finished runs (done or diverged), and only runs of `sweep`
// when it is not empty. Opens the database
// read-only; throws store::StoreError, or std::invalid_argument for an
// unknown metric.
std::vector<GroupSummary> summarize_window(const std::filesystem::path& db_path,
                                           const std::string& metric, const std::string& group_by,
                                           StepWindow window, const std::string& sweep = "");

// Throws std::invalid_argument unless `metric` is a column of `steps`
// (g_grad_norm, dg_dlogit, ...); metric names become part of SQL text.
void check_step_metric(const std::string& metric);

// Linear-interpolation quantile of sorted values (q in [0, 1]).
double quantile_of_sorted(const std::vector<double>& sorted, double q);

}  // namespace gansweep::query
