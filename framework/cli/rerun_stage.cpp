#include "cli/rerun_stage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "cli/table.h"
#include "config/rerun_plan.h"
#include "query/window_summary.h"

namespace gansweep::cli {
namespace {

std::string number(double x) { return fmt::format("{:.4g}", x); }

// The drawn and swept values that make the setting, without the loss and
// seed (they are columns of their own): "train.lr=0.00123 train.d_steps=5".
// `exact` writes each value in full (the shortest text that reads back).
std::string setting_text(const PlannedRun& run, bool exact = false) {
  std::string text;
  for (const auto& [path, value] : run.swept) {
    if (path == "train.loss" || path == "train.seed") continue;
    const std::string shown = std::holds_alternative<double>(value) && !exact
                                  ? number(std::get<double>(value))
                                  : format_value(value);
    text += (text.empty() ? "" : " ") + path + "=" + shown;
  }
  return text.empty() ? "the file's settings" : text;
}

std::string score_text(const query::SettingScore& setting) {
  if (!setting.score) return "none";
  std::string text = number(*setting.score);
  // The runs the score rests on: the finished ones.
  const auto finished = std::count_if(setting.runs.begin(), setting.runs.end(), [](const auto& r) {
    return r.status == "done" || r.status == "diverged";
  });
  if (finished > 1) text += fmt::format(" ({} runs)", finished);
  return text;
}

}  // namespace

query::SettingRanking rank_search(const std::filesystem::path& db_path, const SweepPlan& plan) {
  const RerunBest& rerun = *plan.definition.rerun_best;
  return query::rank_settings(db_path, plan, rerun.metric, rerun.lower_is_better, rerun.window);
}

std::optional<SweepPlan> plan_rerun_stage(const std::filesystem::path& db_path,
                                          const SweepPlan& plan, std::FILE* log) {
  const RerunBest& rerun = *plan.definition.rerun_best;
  const auto say = [log](auto&&... args) {
    if (log != nullptr) fmt::print(log, std::forward<decltype(args)>(args)...);
  };
  const query::SettingRanking ranking = rank_search(db_path, plan);
  if (!ranking.unfinished.empty()) {
    say("gansweep: rerun_best: {} run{} of the sweep did not finish (first {}), so the "
        "best settings are not chosen yet; `gansweep run` again (with --retries for "
        "failures) trains {} and then the reruns\n",
        ranking.unfinished.size(), ranking.unfinished.size() == 1 ? "" : "s",
        ranking.unfinished.front(), ranking.unfinished.size() == 1 ? "it" : "them");
    return std::nullopt;
  }
  const std::vector<int> chosen = query::best_positions(ranking, rerun.top);
  if (chosen.empty()) {
    say("gansweep: rerun_best: no run has a finite {} in {} (every run diverged or "
        "has none), so there is nothing to rerun\n",
        rerun.metric, step_window_text(rerun.window));
    return std::nullopt;
  }
  const auto seeds = rerun_seeds(plan);
  say("gansweep: rerun_best: the best {} setting{} per loss by mean {} over {} "
      "({} is better), each rerun with seeds {} to {}:\n",
      rerun.top, rerun.top == 1 ? "" : "s", rerun.metric, step_window_text(rerun.window),
      rerun.lower_is_better ? "lower" : "higher", seeds.front(), seeds.back());
  for (const query::LossRanking& loss : ranking.losses) {
    std::int64_t kept = 0;
    for (const query::SettingScore& setting : loss.settings) {
      if (kept == rerun.top || !setting.score) break;
      ++kept;
      const PlannedRun& run = plan.runs[static_cast<std::size_t>(setting.position())];
      say("gansweep:   {} #{}: {} {} ({}; run {})\n", name_of(loss.loss), kept, rerun.metric,
          score_text(setting), setting_text(run), run.run_key);
    }
    if (kept == 0) {
      say("gansweep:   {}: no setting with a score, so none is rerun\n", name_of(loss.loss));
    } else if (kept < rerun.top) {
      say("gansweep:   {}: only {} setting{} with a score\n", name_of(loss.loss), kept,
          kept == 1 ? "" : "s");
    }
  }
  return plan_reruns(plan, chosen);
}

void print_study_table(const std::filesystem::path& db_path, const SweepPlan& plan, std::FILE* out,
                       bool csv) {
  const RerunBest& rerun = *plan.definition.rerun_best;
  const query::SettingRanking ranking = rank_search(db_path, plan);
  const std::vector<int> chosen = query::best_positions(ranking, rerun.top);
  const SweepPlan reruns = plan_reruns(plan, chosen);
  const query::SettingRanking rerun_ranking = rank_search(db_path, reruns);
  // The reruns' settings by the position of the run they copy.
  std::map<std::string, const query::SettingScore*> rerun_of;
  for (const auto& loss : rerun_ranking.losses) {
    for (const auto& setting : loss.settings) {
      const PlannedRun& run = reruns.runs[static_cast<std::size_t>(setting.position())];
      rerun_of[setting_key(run.experiment)] = &setting;
    }
  }

  const std::vector<std::string> header{"loss",   "rank",   "setting", "sweep score",
                                        "reruns", "median", "q25",     "q75",
                                        "min",    "max",    "no score"};
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  // CSV is for scripts: every digit; the table rounds to 4.
  const auto shown = [csv](double x) { return csv ? fmt::format("{}", x) : number(x); };
  for (const auto& loss : ranking.losses) {
    std::int64_t rank = 0;
    for (const auto& setting : loss.settings) {
      if (rank == rerun.top || !setting.score) break;
      ++rank;
      const PlannedRun& run = plan.runs[static_cast<std::size_t>(setting.position())];
      std::vector<std::string> row{std::string(name_of(loss.loss)), std::to_string(rank),
                                   setting_text(run, csv),
                                   csv ? fmt::format("{}", *setting.score) : score_text(setting)};
      const auto found = rerun_of.find(setting_key(run.experiment));
      std::vector<double> scores;
      std::int64_t finished = 0;
      std::int64_t unscored = 0;
      if (found != rerun_of.end()) {
        for (const auto& r : found->second->runs) {
          if (r.status != "done" && r.status != "diverged") continue;
          ++finished;
          if (r.score) {
            scores.push_back(*r.score);
          } else {
            ++unscored;
          }
        }
      }
      std::sort(scores.begin(), scores.end());
      row.push_back(fmt::format("{}/{}", finished, rerun.seeds));
      if (scores.empty()) {
        row.insert(row.end(), {"-", "-", "-", "-", "-"});
      } else {
        row.push_back(shown(query::quantile_of_sorted(scores, 0.5)));
        row.push_back(shown(query::quantile_of_sorted(scores, 0.25)));
        row.push_back(shown(query::quantile_of_sorted(scores, 0.75)));
        row.push_back(shown(scores.front()));
        row.push_back(shown(scores.back()));
      }
      row.push_back(std::to_string(unscored));
      rows.push_back(row);
    }
    if (rank == 0) {
      rows.push_back({std::string(name_of(loss.loss)), "-",
                      ranking.unfinished.empty() ? "(no setting with a score)"
                                                 : "(no setting with a score yet)",
                      "none", "-", "-", "-", "-", "-", "-", "-"});
    } else if (rank < rerun.top) {
      notes.push_back(fmt::format("{}: only {} setting{} with a score{}", name_of(loss.loss), rank,
                                  rank == 1 ? "" : "s",
                                  ranking.unfinished.empty() ? "" : " so far"));
    }
  }
  if (csv) {
    // Rows only, for scripts; the caption's facts are in the sweep file.
    fmt::print(out, "{}\n", csv_line(header));
    for (const auto& row : rows) fmt::print(out, "{}\n", csv_line(row));
    return;
  }
  const auto seeds = rerun_seeds(plan);
  fmt::print(out,
             "{}: mean {} over {} ({} is better); best {} per loss, rerun with seeds {} to "
             "{}\n",
             plan.definition.name, rerun.metric, step_window_text(rerun.window),
             rerun.lower_is_better ? "lower" : "higher", rerun.top, seeds.front(), seeds.back());
  if (!ranking.unfinished.empty()) {
    fmt::print(out, "{} run{} of the sweep not finished: the choice below may still change\n",
               ranking.unfinished.size(), ranking.unfinished.size() == 1 ? "" : "s");
  }
  Table table;
  table.set_header(header);
  for (auto& row : rows) table.add_row(std::move(row));
  table.print(out);
  for (const auto& note : notes) fmt::print(out, "{}\n", note);
}

}  // namespace gansweep::cli
