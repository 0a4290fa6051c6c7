// The comparison report: one self-contained HTML file (uPlot and the data
// inlined, nothing fetched) that shows, per group of runs (loss x lr x
// d_steps), the median and interquartile band across seeds of the step
// metrics, divergences, the outcome as a heatmap, why minimax saturates, the
// generator's samples and a sortable table of runs. Torch-free.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gansweep::report {

struct ReportOptions {
  std::vector<std::filesystem::path> databases;
  std::string title = "gansweep report";
  // Curves with more steps than this are reduced to the minimum and maximum
  // per bucket, so spikes stay visible at any zoom that fits the page.
  int max_points = 1000;
  // Only the runs of this sweep (in every database) when not empty, such
  // as the reruns of a rerun_best: study.
  std::string sweep;
};

// Reads the databases read-only and returns the page. Throws
// store::StoreError for an unreadable database.
std::string build_html_report(const ReportOptions& options);

// Text for HTML element content and attribute values: & < > " ' escaped.
std::string escape_html(std::string_view text);

// JSON safe inside <script>: '<', '>' and '&' written as \u003c, \u003e,
// \u0026, so no string in the data can close the script element or open a
// comment.
std::string json_for_script(const nlohmann::json& value);

// Reduces a curve to at most 2 * buckets points: each bucket of consecutive
// points becomes its minimum and maximum, in step order, so a one-step spike
// survives any reduction. Non-finite values are dropped. `x` is ascending.
void reduce_min_max(const std::vector<double>& x, const std::vector<double>& y, int buckets,
                    std::vector<double>* out_x, std::vector<double>* out_y);

}  // namespace gansweep::report
