// `gansweep query DB`: the runs as a table with the settings that tell them
// apart, their status and outcome; filters (--where "loss=minimax",
// "lr<1e-3", "g_loss<0.1"), a ranking (--sort g_loss), and CSV or JSON
// output. The database is opened read-only and filter values are bound as
// parameters.
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/table.h"
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
};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
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
  command->callback([&exit_code, args] {
    const query::RunTable table = query::query_runs(args->db, build_query(*args));
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
      std::string line;
      for (const auto& h : header) line += (line.empty() ? "" : ",") + csv_field(h);
      fmt::print("{}\n", line);
      for (const auto& row : table.rows) {
        line = csv_field(row.run_key) + "," + csv_field(row.sweep) + "," +
               std::to_string(row.position) + "," + row.status;
        for (const auto* cell : cells_of(row)) line += "," + csv_field(cell->display());
        fmt::print("{}\n", line);
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
