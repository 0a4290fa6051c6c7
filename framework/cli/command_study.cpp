// `gansweep study FILE`: the outcome of a sweep file with rerun_best:: per
// loss, the settings chosen from its runs and how their reruns with fresh
// seeds scored. Reads the database only; `gansweep run FILE` trains both
// stages.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/rerun_stage.h"
#include "config/config_error.h"
#include "config/sweep_plan.h"
#include "runner/run_paths.h"

namespace gansweep::cli {

void add_study_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "study", "Per loss, the best settings of a rerun_best: sweep and their reruns' spread");
  auto file = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>();
  auto csv = std::make_shared<bool>(false);
  command->add_option("FILE", *file, "Sweep file (YAML) with a rerun_best: section")->required();
  command->add_option("--db", *db, "Result database (default: results/<sweep name>.db)");
  command->add_flag("--csv", *csv, "The table's rows as CSV, without the caption");
  command->callback([&exit_code, file, db, csv] {
    const SweepPlan plan = plan_sweep(load_sweep_file(*file));
    if (!plan.definition.rerun_best) {
      throw ConfigError(*file, {}, "rerun_best",
                        "the file has no rerun_best: section, so there is no study to show; "
                        "`gansweep summary` and `gansweep report` compare the runs of any sweep");
    }
    const std::filesystem::path path =
        db->empty() ? default_db_path(plan.definition.name) : std::filesystem::path(*db);
    check_sweep_exists(path.string(), plan.definition.name, "--db");
    print_study_table(path, plan, stdout, *csv);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
