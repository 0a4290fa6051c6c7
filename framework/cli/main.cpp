// Entry point of the gansweep command: parses the subcommand and turns every
// error into one clear message on stderr and a non-zero exit code.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli/commands.h"
#include "config/config_error.h"
#include "data/idx_file.h"
#include "store/database.h"
#include "train/device_error.h"
#include "util/build_info.h"

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
  cli::add_keys_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ConfigError& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return cli::kExitBadInput;
  } catch (const data::DataError& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return cli::kExitBadInput;
  } catch (const DeviceError& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return cli::kExitBadInput;
  } catch (const store::StoreError& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return cli::kExitFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "gansweep: error: {}\n", e.what());
    return cli::kExitFailure;
  }
  return exit_code;
}
