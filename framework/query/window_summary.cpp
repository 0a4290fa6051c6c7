#include "query/window_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "config/phases.h"
#include "store/database.h"
#include "store/result_store.h"
#include "store/step_columns.h"

namespace gansweep::query {

void check_step_metric(const std::string& metric) {
  const auto& columns = store::kStepMetricColumns;
  if (std::find(columns.begin(), columns.end(), metric) != columns.end()) return;
  std::string known;
  for (const auto c : columns) known += (known.empty() ? "" : ", ") + std::string(c);
  throw std::invalid_argument(
      fmt::format("unknown metric '{}'; expected one of {}", metric, known));
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const auto upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
}

std::vector<GroupSummary> summarize_window(const std::filesystem::path& db_path,
                                           const std::string& metric, const std::string& group_by,
                                           StepWindow window, const std::string& sweep) {
  check_step_metric(metric);
  auto db = store::open_database_read_only(db_path);
  const std::string sql = fmt::format(
      // CROSS JOIN keeps runs as the outer loop, so each run's window is a
      // range of the steps primary key (run_key, step) instead of a scan of
      // every step row.
      "SELECT json_extract(r.config_json, ?1) AS grp, s.run_key, s.{} "
      "FROM runs r CROSS JOIN steps s ON s.run_key = r.run_key "
      "WHERE s.step >= ?2 AND s.step < ?3 AND r.status IN ('done', 'diverged') "
      "AND (?4 = '' OR r.run_key IN (SELECT run_key FROM sweep_runs WHERE sweep = ?4))",
      metric);
  auto statement = db->prepare(sql, "reading step rows");
  statement.bind_text(1, config_json_path(group_by));
  statement.bind_int64(2, window.begin);
  statement.bind_int64(3, window.end);
  statement.bind_text(4, sweep);

  struct Pool {
    std::set<std::string> runs;
    std::vector<double> values;
    std::int64_t skipped = 0;
  };
  std::map<std::string, Pool> pools;
  while (statement.step()) {
    Pool& pool = pools[statement.column_is_null(0) ? "(unset)" : statement.column_text(0)];
    pool.runs.insert(statement.column_text(1));
    // NULL is a NaN that SQLite could not store.
    const bool is_nan = statement.column_is_null(2);
    const double value = is_nan ? 0.0 : statement.column_double(2);
    if (is_nan || !std::isfinite(value)) {
      ++pool.skipped;
    } else {
      pool.values.push_back(value);
    }
  }

  std::vector<GroupSummary> summaries;
  for (auto& [group, pool] : pools) {
    if (pool.values.empty() && pool.skipped == 0) continue;
    std::sort(pool.values.begin(), pool.values.end());
    GroupSummary s;
    s.group = group;
    s.runs = static_cast<std::int64_t>(pool.runs.size());
    s.values = static_cast<std::int64_t>(pool.values.size());
    s.skipped = pool.skipped;
    s.median = quantile_of_sorted(pool.values, 0.5);
    s.q25 = quantile_of_sorted(pool.values, 0.25);
    s.q75 = quantile_of_sorted(pool.values, 0.75);
    summaries.push_back(s);
  }
  // Groups in numeric order when every group is a number (lr 1e-4 before
  // 1e-3 before 1e-2), else as text.
  const auto as_number = [](const std::string& text, double* out) {
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
  };
  bool numeric = true;
  for (const auto& s : summaries) {
    double ignored = 0;
    numeric = numeric && as_number(s.group, &ignored);
  }
  if (numeric) {
    std::sort(summaries.begin(), summaries.end(), [&](const auto& a, const auto& b) {
      double x = 0;
      double y = 0;
      as_number(a.group, &x);
      as_number(b.group, &y);
      return x < y;
    });
  }
  return summaries;
}

}  // namespace gansweep::query
