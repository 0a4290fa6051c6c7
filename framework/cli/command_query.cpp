// `gansweep query DB`: the runs as a table with the settings that tell them
// apart, their status and outcome; filters (--where "loss=minimax",
// "lr<1e-3", "g_loss<0.1"), a ranking (--sort g_loss), and CSV or JSON
// output. The database is opened read-only and filter values are bound as
// parameters.
#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/table.h"
#include "query/group_comparison.h"
#include "query/run_table.h"

namespace gansweep::cli {
namespace {

struct QueryArguments {
  std::string db;
  std::vector<std::string> where;
  std::string sort;
  std::string sweep;
  std::string format = "table";
  bool nonfinite = false;
  std::vector<std::string> by;
  std::string steps = "0:200";
  std::vector<std::string> metrics{"g_grad_norm", "dg_dlogit"};
};

std::string number(double x) { return std::isnan(x) ? "" : fmt::format("{:.4g}", x); }

std::string optional_number(const std::optional<double>& x) { return x ? number(*x) : ""; }

// --by loss,d_steps: groups across seeds, with differences to the first group.
void print_comparison(const QueryArguments& args, const query::RunTable& runs) {
  std::vector<std::string> by;
  for (const auto& text : args.by) {
    query::RunField field;
    try {
      field = query::resolve_run_field(text);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--by", e.what());
    }
    if (field.kind != query::RunField::Kind::kSetting) {
      throw CLI::ValidationError("--by", "'" + text +
                                             "' is not a setting; group by settings "
                                             "such as loss, lr or d_steps");
    }
    by.push_back(field.name);
  }
  query::StepWindow window;
  try {
    window = query::parse_step_window(args.steps);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError("--steps", e.what());
  }
  query::GroupComparison comparison;
  try {
    comparison = query::compare_groups(args.db, runs, by, window, args.metrics);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError("--metric", e.what());
  }
  const auto group_name = [&](std::size_t g) {
    std::string name;
    for (std::size_t i = 0; i < by.size(); ++i) {
      name += (i ? " " : "") + by[i] + "=" + comparison.groups[g].key[i];
    }
    return name;
  };

  if (args.format == "json") {
    nlohmann::ordered_json out;
    out["by"] = by;
    out["steps"] = {window.begin, window.end};
    for (std::size_t g = 0; g < comparison.groups.size(); ++g) {
      const auto& group = comparison.groups[g];
      nlohmann::ordered_json item;
      for (std::size_t i = 0; i < by.size(); ++i) item[by[i]] = group.key[i];
      item["runs"] = group.runs;
      item["diverged"] = group.diverged;
      item["median_first_nonfinite_step"] = group.median_first_nonfinite_step
                                                ? nlohmann::json(*group.median_first_nonfinite_step)
                                                : nlohmann::json(nullptr);
      const auto optional_json = [](const std::optional<double>& x) {
        return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
      };
      item["median_final_high_quality"] = optional_json(group.median_final_high_quality);
      item["median_final_frechet_distance"] = optional_json(group.median_final_frechet_distance);
      item["median_final_classes_covered"] = optional_json(group.median_final_classes_covered);
      for (const auto& m : group.metrics) {
        item[m.metric] = {{"median", m.median},
                          {"q25", m.q25},
                          {"q75", m.q75},
                          {"runs", m.runs_with_values},
                          {"skipped_nonfinite", m.skipped_values}};
      }
      out["groups"].push_back(item);
    }
    for (const auto& d : comparison.differences) {
      out["differences"].push_back({{"group", group_name(d.group)},
                                    {"reference", group_name(d.reference)},
                                    {"metric", d.metric},
                                    {"difference", d.difference},
                                    {"ci95", {d.ci_low, d.ci_high}},
                                    {"paired", d.paired},
                                    {"n", d.pairs_or_runs}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }

  // The final quality of the data kinds listed, as in the run table: the
  // toy data's high-quality fraction, the images' Frechet distance (lower is
  // better) and classes covered.
  const auto shows = [&](const char* outcome) {
    return std::find(runs.outcomes.begin(), runs.outcomes.end(), outcome) != runs.outcomes.end();
  };
  const bool toy_quality = shows("high_quality_fraction");
  const bool image_quality = shows("frechet_distance");
  std::vector<std::string> header = by;
  for (const char* h : {"runs", "diverged", "first_nonfinite"}) header.push_back(h);
  if (toy_quality) header.push_back("final_hq");
  if (image_quality) {
    header.push_back("final_fd");
    header.push_back("final_classes");
  }
  for (const auto& m : args.metrics) {
    for (const char* part : {"median", "q25", "q75", "skipped"}) {
      header.push_back(m + ":" + part);
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& group : comparison.groups) {
    std::vector<std::string> row = group.key;
    row.push_back(std::to_string(group.runs));
    row.push_back(std::to_string(group.diverged));
    row.push_back(optional_number(group.median_first_nonfinite_step));
    if (toy_quality) row.push_back(optional_number(group.median_final_high_quality));
    if (image_quality) {
      row.push_back(optional_number(group.median_final_frechet_distance));
      row.push_back(optional_number(group.median_final_classes_covered));
    }
    for (const auto& m : group.metrics) {
      row.push_back(number(m.median));
      row.push_back(number(m.q25));
      row.push_back(number(m.q75));
      row.push_back(std::to_string(m.skipped_values));
    }
    rows.push_back(row);
  }
  std::vector<std::string> diff_header{"group",    "reference", "metric", "difference",
                                       "ci95_low", "ci95_high", "paired", "n"};
  std::vector<std::vector<std::string>> diff_rows;
  for (const auto& d : comparison.differences) {
    diff_rows.push_back({group_name(d.group), group_name(d.reference), d.metric,
                         number(d.difference), number(d.ci_low), number(d.ci_high),
                         d.paired ? "paired" : "unpaired", std::to_string(d.pairs_or_runs)});
  }
  if (args.format == "csv") {
    for (const auto* table : {&rows, &diff_rows}) {
      const auto& h = table == &rows ? header : diff_header;
      fmt::print("{}\n", csv_line(h));
      for (const auto& row : *table) fmt::print("{}\n", csv_line(row));
      if (table == &rows) fmt::print("\n");
    }
    return;
  }
  fmt::print(
      "Steps {}:{} of each run; per group, the median and quartiles of the runs' "
      "medians (non-finite values skipped and counted):\n",
      window.begin, window.end);
  if (image_quality) {
    fmt::print(
        "final_fd and final_classes: medians over the runs of their last evaluation's Frechet "
        "distance to the training set (lower is better) and classes covered (of 10).\n");
  }
  Table groups;
  groups.set_header(header);
  for (auto& row : rows) groups.add_row(row);
  groups.print(stdout);
  if (!diff_rows.empty()) {
    fmt::print(
        "\nDifferences of medians against the first group, with 95% bootstrap "
        "intervals (paired when the groups hold the same seeds and other settings):\n");
    Table diffs;
    diffs.set_header(diff_header);
    for (auto& row : diff_rows) diffs.add_row(row);
    diffs.print(stdout);
  }
}

nlohmann::json json_cell(const query::Cell& cell) {
  switch (cell.kind) {
    case query::Cell::Kind::kMissing:
      return nullptr;
    case query::Cell::Kind::kText:
      return cell.text;
    case query::Cell::Kind::kNan:
      return "nan";  // JSON has no NaN; a string keeps it from reading as null
    case query::Cell::Kind::kNumber:
      if (std::isinf(cell.number)) return cell.number > 0 ? "inf" : "-inf";
      if (cell.number == std::floor(cell.number) && std::fabs(cell.number) < 1e15) {
        return static_cast<long long>(cell.number);
      }
      return cell.number;
  }
  return nullptr;
}

query::RunQuery build_query(const QueryArguments& args) {
  query::RunQuery q;
  q.sweep = args.sweep;
  q.include_nonfinite = args.nonfinite;
  try {
    for (const auto& text : args.where) q.filters.push_back(query::parse_run_filter(text));
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError("--where", e.what());
  }
  if (!args.sort.empty()) {
    std::string field = args.sort;
    const auto colon = field.rfind(':');
    if (colon != std::string::npos) {
      const std::string order = field.substr(colon + 1);
      if (order != "asc" && order != "desc") {
        throw CLI::ValidationError(
            "--sort", "expected FIELD, FIELD:asc or FIELD:desc, found '" + args.sort + "'");
      }
      q.descending = order == "desc";
      field = field.substr(0, colon);
    }
    try {
      q.sort_by = query::resolve_run_field(field);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--sort", e.what());
    }
  }
  return q;
}

}  // namespace

void add_query_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("query", "List, filter and rank the runs of a database");
  auto args = std::make_shared<QueryArguments>();
  command->add_option("DB", args->db, "Result database (.db)")->required();
  command->add_option("--where", args->where,
                      "Filter FIELD OP VALUE, OP one of = != < <= > >= (repeatable; all hold)");
  command->add_option("--sort", args->sort,
                      "Rank by FIELD or FIELD:desc; unfinished runs and non-finite values last");
  command->add_option("--sweep", args->sweep, "Only the runs of this sweep");
  command->add_option("--format", args->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  command->add_flag("--nonfinite", args->nonfinite,
                    "Let +-inf values satisfy numeric filters (NaN never compares)");
  command
      ->add_option("--by", args->by,
                   "Group across seeds by these settings (comma-separated): loss,d_steps")
      ->delimiter(',');
  command->add_option("--steps", args->steps, "With --by: step window BEGIN:END, half-open")
      ->capture_default_str();
  command->add_option("--metric", args->metrics, "With --by: step metrics to compare")
      ->capture_default_str();
  command->callback([&exit_code, args] {
    const query::RunTable table = query::query_runs(args->db, build_query(*args));
    if (!args->sweep.empty()) check_sweep_exists(args->db, args->sweep);
    if (!args->by.empty()) {
      print_comparison(*args, table);
      exit_code = kExitOk;
      return;
    }
    std::vector<std::string> header{"run_key", "sweep", "#", "status"};
    for (const auto& s : table.settings) header.push_back(s);
    for (const auto& o : table.outcomes) header.push_back(o);
    const auto cells_of = [&](const query::RunRow& row) {
      std::vector<const query::Cell*> cells;
      for (std::size_t i = 4; i < header.size(); ++i) {
        const auto it = row.fields.find(header[i]);
        static const query::Cell kMissing;
        cells.push_back(it == row.fields.end() ? &kMissing : &it->second);
      }
      return cells;
    };

    if (args->format == "json") {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const auto& row : table.rows) {
        nlohmann::ordered_json item;
        item["run_key"] = row.run_key;
        item["sweep"] = row.sweep;
        item["position"] = row.position;
        item["status"] = row.status;
        const auto cells = cells_of(row);
        for (std::size_t i = 0; i < cells.size(); ++i) item[header[i + 4]] = json_cell(*cells[i]);
        out.push_back(item);
      }
      fmt::print("{}\n", out.dump(2));
    } else if (args->format == "csv") {
      fmt::print("{}\n", csv_line(header));
      for (const auto& row : table.rows) {
        std::vector<std::string> fields{row.run_key, row.sweep, std::to_string(row.position),
                                        row.status};
        for (const auto* cell : cells_of(row)) fields.push_back(cell->display());
        fmt::print("{}\n", csv_line(fields));
      }
    } else {
      Table out;
      out.set_header(header);
      for (const auto& row : table.rows) {
        std::vector<std::string> cells{row.run_key, row.sweep, std::to_string(row.position),
                                       row.status};
        for (const auto* cell : cells_of(row)) cells.push_back(cell->display());
        out.add_row(cells);
      }
      out.print(stdout);
      fmt::print("{} run{}\n", table.rows.size(), table.rows.size() == 1 ? "" : "s");
    }
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
