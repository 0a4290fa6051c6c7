// `gansweep plan FILE`: the expanded runs as a table; nothing is trained and
// nothing is written.
#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "config/rerun_plan.h"
#include "config/sweep_plan.h"

namespace gansweep::cli {

void add_plan_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("plan", "List the runs a sweep file expands to");
  auto file = std::make_shared<std::string>();
  command->add_option("FILE", *file, "Sweep file (YAML)")->required();
  command->callback([&exit_code, file] {
    const SweepPlan plan = plan_sweep(load_sweep_file(*file));
    const std::optional<SearchSpace>& search = plan.definition.search;
    Table table;
    std::vector<std::string> header{"#", "run_key"};
    if (search) header.push_back("sample");
    for (const auto& path : plan.swept_paths) header.push_back(path);
    table.set_header(header);
    for (const auto& run : plan.runs) {
      std::vector<std::string> row{std::to_string(run.position), run.run_key};
      if (run.sample) row.push_back(std::to_string(*run.sample));
      // Drawn values are shown in full (the shortest text that reads back
      // to the same double), so a run can be copied into a grid exactly. A
      // key the run does not read was not drawn for it: "-".
      for (const auto& path : plan.swept_paths) {
        const auto it = std::find_if(run.swept.begin(), run.swept.end(),
                                     [&](const auto& item) { return item.first == path; });
        row.push_back(it == run.swept.end() ? "-" : format_value(it->second));
      }
      table.add_row(row);
    }
    table.print(stdout);
    std::int64_t steps = 0;
    for (const auto& run : plan.runs) steps += run.experiment.steps;
    const std::size_t axes = plan.definition.axes.size();
    const std::string search_text =
        search ? fmt::format(", {} sample{} per grid cell (search seed {})", search->samples,
                             search->samples == 1 ? "" : "s", search->seed)
               : "";
    fmt::print("sweep '{}': {} run{}, {} {}{}, {} training step{} in all\n", plan.definition.name,
               plan.runs.size(), plan.runs.size() == 1 ? "" : "s", axes,
               axes == 1 ? "axis" : "axes", search_text, steps, steps == 1 ? "" : "s");
    if (const auto& rerun = plan.definition.rerun_best) {
      std::set<LossKind> losses;
      for (const auto& run : plan.runs) losses.insert(run.experiment.loss);
      const auto seeds = rerun_seeds(plan);
      const auto most = losses.size() * static_cast<std::size_t>(rerun->top) * seeds.size();
      fmt::print(
          "then rerun_best: the best {} setting{} of {} by mean {} over "
          "{}, each rerun with seeds {} to {}: up to {} more run{}, trained once these finish\n",
          rerun->top, rerun->top == 1 ? "" : "s",
          losses.size() == 1 ? std::string("its loss")
                             : fmt::format("each of the {} losses", losses.size()),
          rerun->metric, step_window_text(rerun->window), seeds.front(), seeds.back(), most,
          most == 1 ? "" : "s");
    }
    if (plan.duplicates_dropped > 0) {
      fmt::print("{} combination{} resolved to a run already listed and {} kept once\n",
                 plan.duplicates_dropped, plan.duplicates_dropped == 1 ? "" : "s",
                 plan.duplicates_dropped == 1 ? "is" : "are");
    }
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
