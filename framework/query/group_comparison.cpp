#include "query/group_comparison.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "store/database.h"
#include "store/result_store.h"
#include "store/step_columns.h"

namespace gansweep::query {
namespace {

struct RunValues {
  std::vector<std::vector<double>> finite;  // per metric
  std::vector<std::int64_t> skipped;        // per metric
};

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return quantile_of_sorted(values, 0.5);
}

std::optional<double> median_or_empty(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  return median_of(std::move(values));
}

// 2.5% and 97.5% percentiles of a bootstrap distribution.
std::pair<double, double> percentile_interval(std::vector<double> draws) {
  std::sort(draws.begin(), draws.end());
  return {quantile_of_sorted(draws, 0.025), quantile_of_sorted(draws, 0.975)};
}

}  // namespace

GroupComparison compare_groups(const std::filesystem::path& db_path, const RunTable& runs,
                               const std::vector<std::string>& by, StepWindow window,
                               const std::vector<std::string>& metrics, int resamples) {
  for (const auto& m : metrics) check_step_metric(m);
  GroupComparison out;
  out.by = by;

  // Every selected run's finite values in the window, per metric.
  std::map<std::string, RunValues> values;
  for (const auto& row : runs.rows) {
    values[row.run_key] = {std::vector<std::vector<double>>(metrics.size()),
                           std::vector<std::int64_t>(metrics.size(), 0)};
  }
  {
    auto db = store::open_database_read_only(db_path);
    std::string columns;
    for (const auto& m : metrics) columns += ", s." + m;
    auto statement = db->prepare(
        // Runs as the outer loop: each run's window is a range of the steps
        // primary key (run_key, step), not a scan of every row.
        fmt::format("SELECT r.run_key{} FROM runs r CROSS JOIN steps s ON s.run_key = r.run_key "
                    "WHERE s.step >= ?1 AND s.step < ?2",
                    columns),
        "reading step rows");
    statement.bind_int64(1, window.begin).bind_int64(2, window.end);
    while (statement.step()) {
      const auto it = values.find(statement.column_text(0));
      if (it == values.end()) continue;
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        const int column = static_cast<int>(m) + 1;
        // NULL is a NaN SQLite could not store.
        if (statement.column_is_null(column) || !std::isfinite(statement.column_double(column))) {
          ++it->second.skipped[m];
        } else {
          it->second.finite[m].push_back(statement.column_double(column));
        }
      }
    }
  }

  // Groups in the order their first run is listed.
  std::vector<std::vector<const RunRow*>> members;
  std::map<std::vector<std::string>, std::size_t> index_of;
  for (const auto& row : runs.rows) {
    std::vector<std::string> key;
    for (const auto& path : by) {
      const auto it = row.fields.find(path);
      key.push_back(it == row.fields.end() ? "" : it->second.display());
    }
    auto [it, inserted] = index_of.emplace(key, members.size());
    if (inserted) {
      members.emplace_back();
      GroupStats stats;
      stats.key = key;
      out.groups.push_back(std::move(stats));
    }
    members[it->second].push_back(&row);
  }

  // A run's window median per metric (empty when it has no finite value).
  const auto run_median = [&](const RunRow& row, std::size_t m) -> std::optional<double> {
    const auto& finite = values.at(row.run_key).finite[m];
    if (finite.empty()) return std::nullopt;
    return median_of(finite);
  };

  for (std::size_t g = 0; g < out.groups.size(); ++g) {
    GroupStats& stats = out.groups[g];
    std::vector<double> first_nonfinite;
    std::vector<double> final_quality;
    std::vector<double> final_distance;
    std::vector<double> final_classes;
    const auto add_final = [](const RunRow& row, const char* field, std::vector<double>* out) {
      const auto& cell = row.fields.at(field);
      if (cell.kind == Cell::Kind::kNumber && std::isfinite(cell.number)) {
        out->push_back(cell.number);
      }
    };
    for (const RunRow* row : members[g]) {
      ++stats.runs;
      if (row->status == "diverged") {
        ++stats.diverged;
        const auto& step = row->fields.at("first_nonfinite_step");
        if (step.kind == Cell::Kind::kNumber) first_nonfinite.push_back(step.number);
      }
      add_final(*row, "high_quality_fraction", &final_quality);
      add_final(*row, "frechet_distance", &final_distance);
      add_final(*row, "classes_covered", &final_classes);
    }
    stats.median_first_nonfinite_step = median_or_empty(first_nonfinite);
    stats.median_final_high_quality = median_or_empty(final_quality);
    stats.median_final_frechet_distance = median_or_empty(final_distance);
    stats.median_final_classes_covered = median_or_empty(final_classes);
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      MetricStats metric{metrics[m]};
      std::vector<double> medians;
      for (const RunRow* row : members[g]) {
        metric.skipped_values += values.at(row->run_key).skipped[m];
        if (const auto median = run_median(*row, m)) medians.push_back(*median);
      }
      std::sort(medians.begin(), medians.end());
      metric.runs_with_values = static_cast<std::int64_t>(medians.size());
      metric.median = quantile_of_sorted(medians, 0.5);
      metric.q25 = quantile_of_sorted(medians, 0.25);
      metric.q75 = quantile_of_sorted(medians, 0.75);
      stats.metrics.push_back(metric);
    }
  }

  // What identifies a run within its group: every setting that varies
  // between the listed runs, except the grouping ones (seed, lr, ...).
  std::vector<std::string> pairing_settings;
  for (const auto& path : runs.settings) {
    if (std::find(by.begin(), by.end(), path) == by.end()) pairing_settings.push_back(path);
  }
  const auto pair_key = [&](const RunRow& row) {
    std::string key;
    for (const auto& path : pairing_settings) {
      const auto it = row.fields.find(path);
      key += (it == row.fields.end() ? "" : it->second.display()) + "\x1f";
    }
    return key;
  };

  std::mt19937_64 random(20140610);  // fixed: the same database gives the same intervals
  for (std::size_t g = 1; g < out.groups.size(); ++g) {
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      std::map<std::string, double> a;  // reference, by pair key
      std::map<std::string, double> b;
      bool unique = true;
      for (const RunRow* row : members[0]) {
        if (const auto v = run_median(*row, m)) unique &= a.emplace(pair_key(*row), *v).second;
      }
      for (const RunRow* row : members[g]) {
        if (const auto v = run_median(*row, m)) unique &= b.emplace(pair_key(*row), *v).second;
      }
      GroupDifference diff;
      diff.group = g;
      diff.reference = 0;
      diff.metric = metrics[m];
      std::vector<double> xs;  // reference values
      std::vector<double> ys;
      bool same_keys = unique && a.size() == b.size() && a.size() >= 2;
      for (const auto& [key, value] : a) same_keys = same_keys && b.count(key) > 0;
      diff.paired = same_keys;
      if (diff.paired) {
        for (const auto& [key, value] : a) {
          xs.push_back(value);
          ys.push_back(b.at(key));
        }
      } else {
        for (const auto& [key, value] : a) xs.push_back(value);
        for (const auto& [key, value] : b) ys.push_back(value);
      }
      if (xs.empty() || ys.empty()) continue;
      diff.pairs_or_runs =
          static_cast<std::int64_t>(diff.paired ? xs.size() : xs.size() + ys.size());
      diff.difference = median_of(ys) - median_of(xs);

      std::vector<double> draws;
      draws.reserve(resamples);
      std::vector<double> rx(xs.size());
      std::vector<double> ry(ys.size());
      for (int r = 0; r < resamples; ++r) {
        if (diff.paired) {
          // Resample pairs, so each draw keeps a seed's two runs together.
          std::uniform_int_distribution<std::size_t> pick(0, xs.size() - 1);
          for (std::size_t i = 0; i < xs.size(); ++i) {
            const std::size_t j = pick(random);
            rx[i] = xs[j];
            ry[i] = ys[j];
          }
        } else {
          std::uniform_int_distribution<std::size_t> pick_x(0, xs.size() - 1);
          std::uniform_int_distribution<std::size_t> pick_y(0, ys.size() - 1);
          for (auto& v : rx) v = xs[pick_x(random)];
          for (auto& v : ry) v = ys[pick_y(random)];
        }
        draws.push_back(median_of(ry) - median_of(rx));
      }
      std::tie(diff.ci_low, diff.ci_high) = percentile_interval(std::move(draws));
      out.differences.push_back(diff);
    }
  }
  return out;
}

}  // namespace gansweep::query
