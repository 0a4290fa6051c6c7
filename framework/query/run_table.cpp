#include "query/run_table.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/choices.h"
#include "config/experiment.h"
#include "config/phases.h"
#include "store/database.h"
#include "store/result_store.h"
#include "store/step_columns.h"

namespace gansweep::query {
namespace {

// The outcome columns every listing shows, then the quality measures of the
// data kinds among the listed runs.
const std::vector<std::string> kShownOutcomes = {
    "steps_done", "first_nonfinite_step", "d_loss", "g_loss", "g_grad_norm", "dg_dlogit", "d_fake"};
const std::vector<std::string> kToyQuality = {"modes_covered", "high_quality_fraction"};
const std::vector<std::string> kImageQuality = {"frechet_distance", "classes_covered"};

bool is_finite_number(const Cell& cell) {
  return cell.kind == Cell::Kind::kNumber && std::isfinite(cell.number);
}

// SQL for a field's value in the query below, which names the run `r`, its
// last step row `ls` and its last evaluation `le`.
std::string field_sql(const RunField& field) {
  switch (field.kind) {
    case RunField::Kind::kSetting:
      return fmt::format("json_extract(r.config_json, '{}')", config_json_path(field.name));
    case RunField::Kind::kRunColumn:
      return "r." + field.name;
    case RunField::Kind::kFinalStep:
      return "ls." + field.name;
    case RunField::Kind::kFinalEval:
      return "le." + field.name;
  }
  return "NULL";
}

// Settings by dotted path, numbers as numbers so they sort as numbers.
void flatten(const nlohmann::json& json, const std::string& prefix,
             std::map<std::string, Cell>* out) {
  for (const auto& [key, value] : json.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, path, out);
    } else if (value.is_array() && !value.empty() && value.front().is_object()) {
      // train.phases: a setting per phase and key, as sweep files address
      // them (train.phases.0.steps).
      for (std::size_t i = 0; i < value.size(); ++i) {
        flatten(value[i], fmt::format("{}.{}", path, i), out);
      }
    } else if (value.is_string()) {
      (*out)[path] = {Cell::Kind::kText, 0, value.get<std::string>()};
    } else if (value.is_number()) {
      (*out)[path] = {Cell::Kind::kNumber, value.get<double>(), ""};
    } else if (value.is_null()) {
      (*out)[path] = Cell{};  // e.g. train.lr when lr_g and lr_d differ
    } else {
      (*out)[path] = {Cell::Kind::kText, 0, value.dump()};
    }
  }
}

}  // namespace

std::string Cell::display() const {
  switch (kind) {
    case Kind::kMissing:
      return "";
    case Kind::kNan:
      return "nan";
    case Kind::kText:
      return text;
    case Kind::kNumber:
      if (std::isinf(number)) return number > 0 ? "inf" : "-inf";
      if (number == std::floor(number) && std::fabs(number) < 1e15) {
        return fmt::format("{}", static_cast<long long>(number));
      }
      return fmt::format("{:.6g}", number);
  }
  return "";
}

RunTable query_runs(const std::filesystem::path& db_path, const RunQuery& query) {
  auto db = store::open_database_read_only(db_path);

  // The last step row and the last evaluation of each run.
  std::string step_columns;
  for (const auto c : store::kStepMetricColumns) step_columns += fmt::format(", ls.{}", c);
  std::string sql = fmt::format(
      // Each run's last row found through the (run_key, step) primary key,
      // not by grouping every step row.
      "WITH last_step AS (SELECT s.* FROM runs q CROSS JOIN steps s ON s.run_key = q.run_key "
      "AND s.step = (SELECT max(step) FROM steps WHERE run_key = q.run_key)), "
      "last_eval AS (SELECT e.* FROM runs q CROSS JOIN evals e ON e.run_key = q.run_key "
      "AND e.step = (SELECT max(step) FROM evals WHERE run_key = q.run_key)) "
      "SELECT r.run_key, coalesce(l.sweep, r.sweep), coalesce(l.position, r.position), "
      "r.status, r.config_json, r.steps_done, r.first_nonfinite_step, ls.nan_mask{}, "
      "le.modes_covered, le.high_quality_fraction, le.mode_kl, le.frechet_distance, "
      "le.classes_covered, le.class_kl, r.attempts, r.train_seconds, r.device, r.threads, "
      "r.host "
      "FROM runs r LEFT JOIN sweep_runs l ON l.run_key = r.run_key "
      "LEFT JOIN last_step ls ON ls.run_key = r.run_key "
      "LEFT JOIN last_eval le ON le.run_key = r.run_key WHERE 1",
      step_columns);
  if (!query.sweep.empty()) sql += " AND l.sweep = ?";
  for (const auto& filter : query.filters) {
    const std::string value = field_sql(filter.field);
    sql += fmt::format(" AND {} {} ?", value, sql_operator(filter.op));
    // NULL (a NaN) already fails every comparison; infinities would pass
    // "< 0.1" or "> 0", so they are excluded unless asked for.
    if (filter.field.numeric && !query.include_nonfinite) {
      sql +=
          fmt::format(" AND {0} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308", value);
    }
  }
  sql += " ORDER BY 2, 3, 1";

  auto statement = db->prepare(sql, "querying runs");
  int index = 1;
  if (!query.sweep.empty()) statement.bind_text(index++, query.sweep);
  for (const auto& filter : query.filters) {
    if (const auto* number = std::get_if<double>(&filter.value)) {
      statement.bind_double(index++, *number);
    } else {
      statement.bind_text(index++, std::get<std::string>(filter.value));
    }
  }

  RunTable table;
  std::vector<std::map<std::string, Cell>> settings_of_row;
  while (statement.step()) {
    RunRow row;
    row.run_key = statement.column_text(0);
    row.sweep = statement.column_text(1);
    row.position = static_cast<int>(statement.column_int64(2));
    row.status = statement.column_text(3);
    row.fields["status"] = {Cell::Kind::kText, 0, row.status};
    row.fields["run_key"] = {Cell::Kind::kText, 0, row.run_key};
    row.fields["sweep"] = {Cell::Kind::kText, 0, row.sweep};
    std::map<std::string, Cell> settings;
    flatten(nlohmann::json::parse(statement.column_text(4)), "", &settings);
    // A setting the run does not read (gp_lambda outside wasserstein_gp,
    // an MLP's width) holds only its default: listing it would make runs of
    // other losses or models look as if they had a value for it.
    const auto text_of = [&](const char* path) {
      const auto it = settings.find(path);
      return it == settings.end() ? std::string() : it->second.display();
    };
    const auto loss = parse_loss_kind(text_of("train.loss"));
    const auto model = parse_model_kind(text_of("model.kind"));
    if (loss && model) {
      for (auto it = settings.begin(); it != settings.end();) {
        it = run_reads_parameter(it->first, *loss, *model) ? std::next(it) : settings.erase(it);
      }
    }
    for (const auto& [path, cell] : settings) row.fields[path] = cell;
    const auto number_or_missing = [&](int column) {
      return statement.column_is_null(column)
                 ? Cell{}
                 : Cell{Cell::Kind::kNumber, statement.column_double(column), ""};
    };
    row.fields["steps_done"] = number_or_missing(5);
    row.fields["first_nonfinite_step"] = number_or_missing(6);
    const bool has_step = !statement.column_is_null(7);
    const auto nan_mask = has_step ? statement.column_int64(7) : 0;
    for (int i = 0; i < store::kStepMetricCount; ++i) {
      Cell cell = number_or_missing(8 + i);
      if (has_step && (nan_mask & store::nan_bit(i)) != 0) cell.kind = Cell::Kind::kNan;
      row.fields[std::string(store::kStepMetricColumns[i])] = cell;
    }
    const int eval_column = 8 + store::kStepMetricCount;
    for (std::size_t i = 0; i < kEvalColumns.size(); ++i) {
      row.fields[std::string(kEvalColumns[i])] =
          number_or_missing(eval_column + static_cast<int>(i));
    }
    // The run record's own fields, which --sort names as --where does.
    const int record_column = eval_column + static_cast<int>(kEvalColumns.size());
    const auto text_or_missing = [&](int column) {
      return statement.column_is_null(column)
                 ? Cell{}
                 : Cell{Cell::Kind::kText, 0, statement.column_text(column)};
    };
    row.fields["attempts"] = number_or_missing(record_column);
    row.fields["train_seconds"] = number_or_missing(record_column + 1);
    row.fields["device"] = text_or_missing(record_column + 2);
    row.fields["threads"] = number_or_missing(record_column + 3);
    row.fields["host"] = text_or_missing(record_column + 4);
    settings_of_row.push_back(std::move(settings));
    table.rows.push_back(std::move(row));
  }

  // Show the settings that tell the listed runs apart (the swept ones),
  // leaving out where they ran.
  std::set<std::string> varying;
  for (const auto& settings : settings_of_row) {
    for (const auto& [path, cell] : settings) {
      if (path == "data.path" || path == "train.device") continue;
      const auto& first = settings_of_row.front();
      if (first.count(path) == 0 || first.at(path).display() != cell.display()) {
        varying.insert(path);
      }
    }
  }
  // train.lr_g and train.lr_d are the effective rates; where every listed
  // run has one rate for both (train.lr is not null), they repeat train.lr
  // and would make runs that differ only in lr look different twice over,
  // which also kept such runs from pairing by seed.
  const bool one_rate_each = std::all_of(
      settings_of_row.begin(), settings_of_row.end(), [](const std::map<std::string, Cell>& s) {
        const auto lr = s.find("train.lr");
        return lr != s.end() && lr->second.kind == Cell::Kind::kNumber;
      });
  if (one_rate_each && varying.count("train.lr") > 0) {
    varying.erase("train.lr_g");
    varying.erase("train.lr_d");
  }
  table.settings.assign(varying.begin(), varying.end());

  // Toy and image quality are measured differently; show each kind's
  // measures when runs of that kind are listed (toy ones when none are).
  bool any_image = false;
  bool any_toy = false;
  for (const auto& settings : settings_of_row) {
    const auto kind = settings.find("data.kind");
    const bool image = kind != settings.end() && kind->second.display() == "fashion_mnist";
    any_image = any_image || image;
    any_toy = any_toy || !image;
  }
  table.outcomes = kShownOutcomes;
  if (any_toy || !any_image) {
    table.outcomes.insert(table.outcomes.end(), kToyQuality.begin(), kToyQuality.end());
  }
  if (any_image) {
    table.outcomes.insert(table.outcomes.end(), kImageQuality.begin(), kImageQuality.end());
  }

  if (query.sort_by) {
    const std::string key = query.sort_by->name;
    // A run that did not finish, or whose value is not a finite number,
    // never ranks ahead of a finished run with a finite value.
    static const Cell kMissing;
    const auto value_of = [&](const RunRow& row) -> const Cell& {
      const auto it = row.fields.find(key);
      return it == row.fields.end() ? kMissing : it->second;
    };
    // Tiers, in either direction: finished runs with a finite number (or
    // text), sorted; done runs without one; other runs with one (a diverged
    // run's first_nonfinite_step), sorted; the rest in listing order. So a
    // diverged or unfinished run never ranks ahead of a done one.
    const auto tier = [&](const RunRow& row) {
      const Cell& cell = value_of(row);
      const bool has_value = is_finite_number(cell) || cell.kind == Cell::Kind::kText;
      if (row.status == "done") return has_value ? 0 : 1;
      return has_value ? 2 : 3;
    };
    std::stable_sort(table.rows.begin(), table.rows.end(), [&](const RunRow& a, const RunRow& b) {
      const int ta = tier(a);
      const int tb = tier(b);
      if (ta != tb) return ta < tb;
      if (ta == 1 || ta == 3) return false;
      const Cell& x = value_of(a);
      const Cell& y = value_of(b);
      if (x.kind != y.kind) return x.kind == Cell::Kind::kNumber;  // numbers before text
      if (x.kind == Cell::Kind::kText) {
        return query.descending ? x.text > y.text : x.text < y.text;
      }
      return query.descending ? x.number > y.number : x.number < y.number;
    });
  }
  return table;
}

}  // namespace gansweep::query
