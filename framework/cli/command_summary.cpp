// `gansweep summary DB`: per group (default: per loss), the median and
// interquartile range of per-step metrics over a window of steps, pooled
// over runs and steps. Non-finite values are left out and counted.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/table.h"
#include "config/parameters.h"
#include "config/phases.h"
#include "query/window_summary.h"
#include "store/result_store.h"

namespace gansweep::cli {
namespace {

struct SummaryArguments {
  std::string db;
  std::string steps = "0:200";
  std::string by = "train.loss";
  std::vector<std::string> metrics{"g_grad_norm", "dg_dlogit"};
  std::string sweep;
};

std::string number(double x) { return fmt::format("{:.4g}", x); }

}  // namespace

void add_summary_command(CLI::App& app, int& exit_code) {
  auto* command =
      app.add_subcommand("summary", "Median and IQR of step metrics over a step window, per group");
  auto args = std::make_shared<SummaryArguments>();
  command->add_option("DB", args->db, "Result database (.db)")->required();
  command->add_option("--steps", args->steps, "Step window BEGIN:END, half-open")
      ->capture_default_str();
  command->add_option("--by", args->by, "Setting to group by")->capture_default_str();
  command->add_option("--metric", args->metrics, "Step metrics (repeatable)")
      ->capture_default_str();
  command->add_option("--sweep", args->sweep, "Only the runs of this sweep");
  command->callback([&exit_code, args] {
    if (find_parameter(args->by) == nullptr && !parse_phase_path(args->by)) {
      throw CLI::ValidationError(
          "--by", fmt::format("unknown setting '{}'; expected a key such as train.loss or "
                              "train.lr (gansweep keys lists them)",
                              args->by));
    }
    query::StepWindow window;
    try {
      window = query::parse_step_window(args->steps);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--steps", e.what());
    }
    Table table;
    table.set_header(
        {args->by, "metric", "runs", "values", "median", "q25", "q75", "non-finite skipped"});
    std::vector<std::string> metrics;
    for (const auto& metric : args->metrics) {
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
        metrics.push_back(metric);
      }
    }
    for (const auto& metric : metrics) {
      std::vector<query::GroupSummary> groups;
      try {
        groups = query::summarize_window(args->db, metric, args->by, window, args->sweep);
      } catch (const std::invalid_argument& e) {
        throw CLI::ValidationError("--metric", e.what());
      }
      for (const auto& g : groups) {
        table.add_row({g.group, metric, std::to_string(g.runs), std::to_string(g.values),
                       number(g.median), number(g.q25), number(g.q75), std::to_string(g.skipped)});
      }
    }
    if (!args->sweep.empty()) check_sweep_exists(args->db, args->sweep);
    table.print(stdout);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
