#include "query/best_settings.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "config/rerun_best.h"
#include "config/rerun_plan.h"
#include "store/database.h"
#include "store/result_store.h"

namespace gansweep::query {
namespace {

// Scores oriented so that smaller is better; a missing score is +inf.
double oriented(const std::optional<double>& score, bool lower_is_better) {
  if (!score) return std::numeric_limits<double>::infinity();
  return lower_is_better ? *score : -*score;
}

// The median of oriented scores, where +inf (missing) is a value like any
// other: two middle values of which one is missing give a missing median.
double oriented_median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  const double a = values[n / 2 - 1];
  const double b = values[n / 2];
  if (std::isinf(a) || std::isinf(b)) return std::numeric_limits<double>::infinity();
  return (a + b) / 2;
}

}  // namespace

SettingRanking rank_settings(const std::filesystem::path& db_path, const SweepPlan& plan,
                             const std::string& metric, bool lower_is_better, StepWindow window) {
  if (find_outcome_metric(metric) == nullptr) {
    throw std::invalid_argument(fmt::format("'{}' is not an evaluation metric", metric));
  }
  auto db = store::open_database_read_only(db_path);
  auto status_of = db->prepare("SELECT status FROM runs WHERE run_key = ?1", "reading run status");
  // The metric is one of the fixed evals columns (checked above), so it can
  // be part of the SQL text.
  auto evals_of = db->prepare(
      fmt::format("SELECT {} FROM evals WHERE run_key = ?1 AND step >= ?2 AND step < ?3", metric),
      "reading evaluations");

  SettingRanking ranking;
  std::map<LossKind, std::size_t> loss_index;
  std::map<std::string, std::pair<std::size_t, std::size_t>> setting_index;  // -> (loss, setting)
  for (const PlannedRun& run : plan.runs) {
    RunScore score;
    score.position = run.position;
    status_of.bind_text(1, run.run_key);
    if (status_of.step()) score.status = status_of.column_text(0);
    status_of.reset();
    if (score.status != "done" && score.status != "diverged") {
      ranking.unfinished.push_back(run.run_key);
    }
    if (score.status == "done") {
      evals_of.bind_text(1, run.run_key).bind_int64(2, window.begin).bind_int64(3, window.end);
      // Every evaluation in the window must have a finite value: NULL is a
      // NaN or a measure left undefined (mode_kl when no sample is near a
      // mode), and skipping it would let a run rank by its good moments.
      double sum = 0;
      bool all_finite = true;
      while (evals_of.step()) {
        const double value = evals_of.column_is_null(0) ? std::nan("") : evals_of.column_double(0);
        if (!std::isfinite(value)) {
          all_finite = false;
          continue;
        }
        sum += value;
        ++score.evaluations;
      }
      evals_of.reset();
      if (all_finite && score.evaluations > 0) {
        score.score = sum / static_cast<double>(score.evaluations);
      }
    }

    const LossKind loss = run.experiment.loss;
    auto [loss_it, new_loss] = loss_index.emplace(loss, ranking.losses.size());
    if (new_loss) ranking.losses.push_back({loss, {}});
    LossRanking& losses = ranking.losses[loss_it->second];
    const std::string key = setting_key(run.experiment);
    auto [setting_it, new_setting] =
        setting_index.emplace(key, std::make_pair(loss_it->second, losses.settings.size()));
    if (new_setting) losses.settings.emplace_back();
    ranking.losses[setting_it->second.first].settings[setting_it->second.second].runs.push_back(
        score);
  }

  for (LossRanking& loss : ranking.losses) {
    for (SettingScore& setting : loss.settings) {
      // Over the finished runs: while some seeds are still training, the
      // setting is judged by those that are not.
      std::vector<double> values;
      for (const RunScore& run : setting.runs) {
        if (run.status != "done" && run.status != "diverged") continue;
        values.push_back(oriented(run.score, lower_is_better));
        if (!run.score) ++setting.unscored;
      }
      if (values.empty()) continue;
      const double median = oriented_median(values);
      if (!std::isinf(median)) setting.score = lower_is_better ? median : -median;
    }
    std::stable_sort(loss.settings.begin(), loss.settings.end(),
                     [&](const SettingScore& a, const SettingScore& b) {
                       return oriented(a.score, lower_is_better) <
                              oriented(b.score, lower_is_better);
                     });
  }
  return ranking;
}

std::vector<int> best_positions(const SettingRanking& ranking, std::int64_t top) {
  std::vector<int> positions;
  for (const LossRanking& loss : ranking.losses) {
    std::int64_t kept = 0;
    for (const SettingScore& setting : loss.settings) {
      if (kept == top || !setting.score) break;
      positions.push_back(setting.position());
      ++kept;
    }
  }
  return positions;
}

}  // namespace gansweep::query
