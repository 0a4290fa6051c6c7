// `gansweep run FILE`: trains the runs of a sweep that are not finished yet.
// Ctrl-C (or SIGTERM) stops after the current step: rows so far are kept and
// the run is marked interrupted; a second Ctrl-C exits at once.
#include <csignal>
#include <memory>
#include <set>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "config/choices.h"
#include "config/sweep_plan.h"
#include "runner/preflight.h"
#include "runner/sweep_runner.h"

namespace gansweep::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  if (g_stop_requested.exchange(true)) {
    // Second signal: the user wants out now. Committed rows are safe; the
    // run in flight stays 'running' and is redone by the next `run`.
    _exit(kExitInterrupted);
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct RunArguments {
  std::string file;
  std::string db;
  int threads = 1;
  std::string device;
  std::string classifier_dir;
  CLI::Option* device_option = nullptr;
  CLI::Option* db_option = nullptr;
};

bool command_has_device(const std::shared_ptr<RunArguments>& args) {
  return args->device_option != nullptr && args->device_option->count() > 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("run", "Train the runs of a sweep that are not done yet");
  auto args = std::make_shared<RunArguments>();
  command->add_option("FILE", args->file, "Sweep file (YAML)")->required();
  args->db_option =
      command->add_option("--db", args->db, "Result database (default: results/<sweep name>.db)");
  command
      ->add_option("--threads", args->threads,
                   "LibTorch threads per run; results are bit-identical for the same "
                   "machine, device and thread count")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  args->device_option = command->add_option("--device", args->device,
                                            "Override train.device: auto, cpu, cuda or cuda:N");
  command->add_option("--classifier-dir", args->classifier_dir,
                      "Where the classifier scoring Fashion-MNIST runs is cached (default: "
                      "classifiers/ beside the database)");

  command->callback([&exit_code, args] {
    // Everything that can be wrong with the input is found before the
    // database is created or touched.
    const SweepPlan plan = plan_sweep(load_sweep_file(args->file));
    RunnerOptions options;
    const bool db_given = args->db_option->count() > 0;
    if (db_given && args->db.empty()) {
      throw CLI::ValidationError("--db", "the database path is empty");
    }
    options.db_path =
        db_given ? std::filesystem::path(args->db) : default_db_path(plan.definition.name);
    options.threads = args->threads;
    options.classifier_dir = args->classifier_dir;
    if (command_has_device(args)) {
      if (const std::string problem = device_setting_problem(args->device); !problem.empty()) {
        throw CLI::ValidationError("--device", problem);
      }
      options.device = args->device;
    }
    if (options.threads > static_cast<int>(std::thread::hardware_concurrency())) {
      fmt::print(stderr,
                 "gansweep: warning: --threads {} is more than this machine's {} cores; "
                 "runs will be slower, not faster\n",
                 options.threads, std::thread::hardware_concurrency());
    }
    preflight(plan, options);

    options.interactive = isatty(STDERR_FILENO) != 0;
    options.stop_requested = &g_stop_requested;
    install_signal_handlers();

    const SweepOutcome outcome = run_sweep(plan, options);
    fmt::print(stderr,
               "gansweep: {} run{}: {} done, {} diverged, {} failed, {} interrupted, {} "
               "already finished{}\n",
               outcome.planned, outcome.planned == 1 ? "" : "s", outcome.done, outcome.diverged,
               outcome.failed, outcome.interrupted, outcome.skipped,
               outcome.busy > 0
                   ? fmt::format(", {} being trained by another gansweep process", outcome.busy)
                   : "");
    fmt::print("{}\n", options.db_path.string());
    if (outcome.interrupted > 0 || g_stop_requested.load()) {
      exit_code = kExitInterrupted;
    } else {
      exit_code = outcome.failed > 0 ? kExitFailure : kExitOk;
    }
  });
}

}  // namespace gansweep::cli
