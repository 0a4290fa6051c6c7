// Comparison of groups of runs across seeds: "per loss and step ratio, what
// was the generator's gradient over steps 0-200, and how sure are we that
// the groups differ?". Each run is summarised by its median over the step
// window (non-finite values left out and counted); a group by the median and
// interquartile range of its runs' medians; a difference between two groups
// by a bootstrap confidence interval, paired when the two groups hold the
// same runs but for the grouping settings (same seeds, same other settings).
// Torch-free; reads the database read-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "query/run_table.h"
#include "query/window_summary.h"

namespace gansweep::query {

struct MetricStats {
  std::string metric;
  std::int64_t runs_with_values = 0;
  std::int64_t skipped_values = 0;  // non-finite step values left out
  double median = 0;                // of the runs' window medians
  double q25 = 0;
  double q75 = 0;
};

struct GroupStats {
  std::vector<std::string> key;  // one value per grouping setting
  std::int64_t runs = 0;
  std::int64_t diverged = 0;
  std::optional<double> median_first_nonfinite_step;  // over diverged runs
  // Medians over the group's runs of their last evaluation: toy data's
  // high-quality fraction, images' Frechet distance and classes covered.
  std::optional<double> median_final_high_quality;
  std::optional<double> median_final_frechet_distance;
  std::optional<double> median_final_classes_covered;
  std::vector<MetricStats> metrics;
};

struct GroupDifference {
  std::size_t group = 0;      // index into groups
  std::size_t reference = 0;  // index into groups
  std::string metric;
  double difference = 0;  // median(group) - median(reference)
  double ci_low = 0;      // 95% bootstrap percentile interval
  double ci_high = 0;
  bool paired = false;
  std::int64_t pairs_or_runs = 0;  // pairs when paired, else runs in both together
};

struct GroupComparison {
  std::vector<std::string> by;  // setting paths
  std::vector<GroupStats> groups;
  std::vector<GroupDifference> differences;  // every group against the first
};

// `runs` is the filtered listing from query_runs; `by` are setting paths.
// The bootstrap uses a fixed seed and `resamples` draws, so the same
// database gives the same intervals. Throws std::invalid_argument for an
// unknown metric.
GroupComparison compare_groups(const std::filesystem::path& db_path, const RunTable& runs,
                               const std::vector<std::string>& by, StepWindow window,
                               const std::vector<std::string>& metrics, int resamples = 2000);

}  // namespace gansweep::query
