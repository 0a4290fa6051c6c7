// `gansweep sql DB "SELECT ..."`: anything the other commands do not answer,
// on a connection that cannot change the database.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "query/read_only_sql.h"

namespace gansweep::cli {

void add_sql_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("sql", "Run one read-only SQL statement on a database");
  auto db = std::make_shared<std::string>();
  auto sql = std::make_shared<std::string>();
  auto csv = std::make_shared<bool>(false);
  command->add_option("DB", *db, "Result database (.db)")->required();
  command->add_option("SQL", *sql, "One SELECT (or WITH ... SELECT) statement")->required();
  command->add_flag("--csv", *csv, "Comma-separated output");
  command->callback([&exit_code, db, sql, csv] {
    query::SqlResult result;
    try {
      result = query::run_read_only_sql(*db, *sql);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("SQL", e.what());
    }
    if (*csv) {
      fmt::print("{}\n", csv_line(result.columns));
      for (const auto& row : result.rows) fmt::print("{}\n", csv_line(row));
    } else {
      Table table;
      table.set_header(result.columns);
      for (const auto& row : result.rows) table.add_row(row);
      table.print(stdout);
    }
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
