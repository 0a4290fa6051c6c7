// `gansweep plan FILE`: the expanded runs as a table; nothing is trained and
// nothing is written.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "config/sweep_plan.h"

namespace gansweep::cli {

void add_plan_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("plan", "List the runs a sweep file expands to");
  auto file = std::make_shared<std::string>();
  command->add_option("FILE", *file, "Sweep file (YAML)")->required();
  command->callback([&exit_code, file] {
    const SweepPlan plan = plan_sweep(load_sweep_file(*file));
    Table table;
    std::vector<std::string> header{"#", "run_key"};
    for (const auto& path : plan.swept_paths) header.push_back(path);
    table.set_header(header);
    for (const auto& run : plan.runs) {
      std::vector<std::string> row{std::to_string(run.position), run.run_key};
      for (const auto& [path, value] : run.swept) row.push_back(format_value(value));
      table.add_row(row);
    }
    table.print(stdout);
    std::int64_t steps = 0;
    for (const auto& run : plan.runs) steps += run.experiment.steps;
    fmt::print("sweep '{}': {} run{}, {} {}, {} training step{} in all\n", plan.definition.name,
               plan.runs.size(), plan.runs.size() == 1 ? "" : "s", plan.definition.axes.size(),
               plan.definition.axes.size() == 1 ? "axis" : "axes", steps, steps == 1 ? "" : "s");
    if (plan.duplicates_dropped > 0) {
      fmt::print("{} combination{} resolved to a run already listed and {} kept once\n",
                 plan.duplicates_dropped, plan.duplicates_dropped == 1 ? "" : "s",
                 plan.duplicates_dropped == 1 ? "is" : "are");
    }
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
