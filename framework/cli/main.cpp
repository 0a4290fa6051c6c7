// Entry point of the gansweep command: parses the subcommand and turns every
// error into one clear message on stderr and a non-zero exit code.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli/commands.h"
#include "config/config_error.h"
#include "data/idx_file.h"
#include "runner/preflight.h"
#include "store/shard_merge.h"
#include "train/device_error.h"
#include "util/build_info.h"

namespace gansweep::cli {

// Input the user can fix (a sweep file, data files, a device that is not
// there, a shard that is not a gansweep database) exits with 2; anything
// else that stops the command with 1.
int exit_code_for(const std::exception& error) {
  const bool bad_input = dynamic_cast<const ConfigError*>(&error) != nullptr ||
                         dynamic_cast<const data::DataError*>(&error) != nullptr ||
                         dynamic_cast<const DeviceError*>(&error) != nullptr ||
                         dynamic_cast<const OutputPathError*>(&error) != nullptr ||
                         dynamic_cast<const store::MergeInputError*>(&error) != nullptr ||
                         dynamic_cast<const store::NotAResultDatabase*>(&error) != nullptr;
  return bad_input ? kExitBadInput : kExitFailure;
}

}  // namespace gansweep::cli

int main(int argc, char** argv) {
  using namespace gansweep;
  CLI::App app{"gansweep: reproducible sweeps comparing GAN losses, recorded in SQLite"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       fmt::format("gansweep {} ({})", gansweep_version(), git_commit()));
  int exit_code = cli::kExitOk;
  cli::add_plan_command(app, exit_code);
  cli::add_run_command(app, exit_code);
  cli::add_status_command(app, exit_code);
  cli::add_summary_command(app, exit_code);
  cli::add_study_command(app, exit_code);
  cli::add_query_command(app, exit_code);
  cli::add_sql_command(app, exit_code);
  cli::add_report_command(app, exit_code);
  cli::add_slurm_command(app, exit_code);
  cli::add_merge_command(app, exit_code);
  cli::add_keys_command(app, exit_code);
  cli::add_forget_command(app, exit_code);
  cli::add_train_run_command(app, exit_code);
  cli::add_check_quality_command(app, exit_code);
  cli::add_migrate_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help, the version or the usage error; its own codes are
    // folded into ours.
    return app.exit(e) == 0 ? cli::kExitOk : cli::kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return gansweep::cli::exit_code_for(e);
  }
  return exit_code;
}
