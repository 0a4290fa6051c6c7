// `gansweep run FILE`: trains the runs of a sweep that are not finished yet,
// several at a time, each in its own process (see runner/scheduler.h).
// Ctrl-C (or SIGTERM) stops cleanly: no new runs start, runs in flight save
// a checkpoint and are marked interrupted; a second Ctrl-C kills them and
// exits at once. The next `run` of the same file resumes either way.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <memory>
#include <set>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/rerun_stage.h"
#include "cli/run_selection.h"
#include "config/choices.h"
#include "config/sweep_plan.h"
#include "quality/prepare_image_quality.h"
#include "runner/child_process.h"
#include "runner/preflight.h"
#include "runner/run_paths.h"
#include "runner/scheduler.h"
#include "train/device_error.h"

namespace gansweep::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_sweep_stop_signal(int) {
  if (g_stop_requested.exchange(true)) {
    // Second signal: the user wants out now. Committed rows and saved
    // checkpoints are safe; the runs in flight stay 'running' and are
    // resumed by the next `run`.
    kill_all_children_now();
    _exit(kExitInterrupted);
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_sweep_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct RunArguments {
  std::string file;
  std::string db;
  int jobs = 1;
  std::string devices;
  int jobs_per_device = 1;
  int threads = 0;
  int retries = 0;
  double time_limit = 0;
  double checkpoint_seconds = 60;
  std::vector<std::string> only;
  std::string classifier_dir;
  bool no_vectorise = false;
  CLI::Option* db_option = nullptr;
  CLI::Option* jobs_option = nullptr;
  CLI::Option* devices_option = nullptr;
  CLI::Option* device_option = nullptr;
  CLI::Option* per_device_option = nullptr;
  CLI::Option* threads_option = nullptr;
};

std::vector<std::string> split_devices(const std::string& text) {
  std::vector<std::string> devices;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    devices.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return devices;
}

// One entry per slot, devices interleaved (cuda:0, cuda:1, cuda:0, ...) so
// that runs spread over the devices before doubling up on one.
std::vector<std::string> slot_devices(const RunArguments& args) {
  const bool by_devices = args.devices_option->count() > 0;
  const bool by_device = args.device_option->count() > 0;
  if (!by_devices && !by_device) return {};
  std::vector<std::string> devices;
  const std::string& text = args.devices;  // --device and --devices share it
  if (text == "all") {
    devices = all_devices();
  } else {
    for (const std::string& device : split_devices(text)) {
      if (const std::string problem = device_setting_problem(device); !problem.empty()) {
        throw CLI::ValidationError(by_devices ? "--devices" : "--device",
                                   fmt::format("'{}': {}", device, problem));
      }
      devices.push_back(device);
    }
  }
  const bool jobs_given = args.jobs_option->count() > 0;
  int per_device = args.jobs_per_device;
  if (args.per_device_option->count() == 0) {
    const int count = static_cast<int>(devices.size());
    per_device = jobs_given ? (args.jobs + count - 1) / count : 1;
  }
  std::vector<std::string> slots;
  for (int k = 0; k < per_device; ++k) {
    for (const auto& device : devices) slots.push_back(device);
  }
  if (jobs_given && static_cast<int>(slots.size()) > args.jobs) slots.resize(args.jobs);
  if (jobs_given && static_cast<int>(slots.size()) < args.jobs) {
    throw CLI::ValidationError(
        "--jobs",
        fmt::format("{} runs at once need more slots than --devices ({} device{}) x "
                    "--jobs-per-device ({}) give; raise --jobs-per-device or leave "
                    "it out",
                    args.jobs, devices.size(), devices.size() == 1 ? "" : "s", per_device));
  }
  return slots;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "run", "Train the runs of a sweep that are not done yet, resuming any in flight");
  auto args = std::make_shared<RunArguments>();
  command->add_option("FILE", args->file, "Sweep file (YAML)")->required();
  args->db_option =
      command->add_option("--db", args->db, "Result database (default: results/<sweep name>.db)");
  args->jobs_option =
      command->add_option("--jobs,-j", args->jobs, "Runs trained at once, each in its own process")
          ->check(CLI::Range(1, 4096))
          ->capture_default_str();
  command->add_flag("--no-vectorise", args->no_vectorise,
                    "Train every run in a process of its own, never stacked with others as one "
                    "batched model (MLP runs that share a shape are stacked by default)");
  args->devices_option = command->add_option(
      "--devices", args->devices,
      "Devices to spread runs over: cpu, cuda:0,cuda:1, or all (default: each run's "
      "train.device)");
  args->device_option =
      command->add_option("--device", args->devices, "One device for every run (as --devices)")
          ->excludes(args->devices_option);
  args->per_device_option =
      command
          ->add_option("--jobs-per-device", args->jobs_per_device,
                       "Runs at once on each device (default: --jobs spread over the devices)")
          ->check(CLI::Range(1, 1024));
  args->threads_option =
      command
          ->add_option("--threads", args->threads,
                       "LibTorch threads per run (default 1; more helps only large models, and "
                       "runs x threads should not exceed the cores); results are bit-identical "
                       "for the same machine, device and thread count")
          ->check(CLI::Range(1, 1024));
  command
      ->add_option("--retries", args->retries,
                   "Extra attempts for a run that crashed or failed (never for one that "
                   "diverged: that is a result)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  command
      ->add_option("--time-limit", args->time_limit,
                   "Seconds an attempt may take; then it is stopped, keeps its checkpoint and "
                   "is marked failed (0: no limit)")
      ->check(finite_seconds())
      ->capture_default_str();
  command
      ->add_option("--checkpoint-seconds", args->checkpoint_seconds,
                   "Seconds between a run's checkpoints (0: after every step, which is slow)")
      ->check(finite_seconds())
      ->capture_default_str();
  command->add_option("--classifier-dir", args->classifier_dir,
                      "Where the classifier scoring Fashion-MNIST runs is cached (default: "
                      "classifiers/ beside the database); trained there on first use");
  command->add_option("--only", args->only,
                      "Train only these runs (run keys, or unique prefixes of them)");

  command->callback([&exit_code, args] {
    // Everything that can be wrong with the input is found before the
    // database is created or touched.
    const SweepPlan plan = plan_sweep(load_sweep_file(args->file));
    SchedulerOptions options;
    const bool db_given = args->db_option->count() > 0;
    if (db_given && args->db.empty()) {
      throw CLI::ValidationError("--db", "the database path is empty");
    }
    options.db_path =
        db_given ? std::filesystem::path(args->db) : default_db_path(plan.definition.name);
    options.slot_devices = slot_devices(*args);
    options.jobs =
        options.slot_devices.empty() ? args->jobs : static_cast<int>(options.slot_devices.size());
    const int runs_at_once = options.jobs;
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    // One thread per run unless asked: the small models of loss sweeps gain
    // little from intra-op threads, and lose badly when the cores are busy
    // (LibTorch's threads spin while they wait). Measured on a shared 2-core
    // machine, ring8 MLP, 2000 steps: 6.3 s with 1 thread, 105 s with 2.
    options.threads = args->threads_option->count() > 0 ? args->threads : 1;
    if (options.threads * runs_at_once > cores) {
      fmt::print(stderr,
                 "gansweep: warning: {} run{} at once with {} thread{} each is more than this "
                 "machine's {} cores; runs will be slower, not faster\n",
                 runs_at_once, runs_at_once == 1 ? "" : "s", options.threads,
                 options.threads == 1 ? "" : "s", cores);
    }
    options.retries = args->retries;
    options.time_limit_seconds = args->time_limit;
    options.checkpoint_seconds = args->checkpoint_seconds;
    options.only = select_runs(plan, args->only, "--only");
    options.vectorise = !args->no_vectorise;
    options.program = std::filesystem::read_symlink("/proc/self/exe");

    std::vector<std::string> overrides = options.slot_devices;
    std::sort(overrides.begin(), overrides.end());
    overrides.erase(std::unique(overrides.begin(), overrides.end()), overrides.end());
    preflight(plan, options.db_path, overrides,
              args->device_option->count() > 0 ? "--device" : "--devices");

    options.classifier_dir = args->classifier_dir.empty()
                                 ? default_classifier_dir(options.db_path)
                                 : std::filesystem::path(args->classifier_dir);
    // Image runs need the classifier: trained (or loaded) here, once, so
    // that parallel run processes find it cached.
    std::set<std::string> image_folders;
    for (const auto& run : plan.runs) {
      if (run.experiment.data_kind == DataKind::kFashionMnist) {
        image_folders.insert(run.experiment.data_path);
      }
    }
    for (const auto& folder : image_folders) {
      fmt::print(stderr, "gansweep: {}\n",
                 quality::prepare_image_quality(
                     folder, options.classifier_dir, quality::ClassifierRecipe{},
                     [](const std::string& line) { fmt::print(stderr, "gansweep: {}\n", line); }));
    }

    options.interactive = isatty(STDERR_FILENO) != 0;
    options.stop_requested = &g_stop_requested;
    install_signal_handlers();

    // Prints the outcome of one stage and returns its exit code.
    const auto finish_stage = [&](const SweepPlan& stage, const SchedulerOptions& stage_options) {
      const SweepOutcome outcome = schedule_sweep(stage, stage_options);
      const int considered =
          (stage_options.only.empty() ? outcome.planned
                                      : static_cast<int>(stage_options.only.size())) +
          outcome.brought_along;
      const int not_started = considered - outcome.skipped - outcome.done - outcome.diverged -
                              outcome.failed - outcome.interrupted;
      fmt::print(
          stderr,
          "gansweep: {} run{}: {} done, {} diverged, {} failed, {} interrupted, {} "
          "already finished{}{}\n",
          considered, considered == 1 ? "" : "s", outcome.done, outcome.diverged, outcome.failed,
          outcome.interrupted, outcome.skipped,
          outcome.resumed > 0 ? fmt::format(", {} resumed from checkpoints", outcome.resumed) : "",
          not_started > 0 ? fmt::format(", {} not started", not_started) : "");
      if (outcome.interrupted > 0 || g_stop_requested.load()) return kExitInterrupted;
      return outcome.failed > 0 ? kExitFailure : kExitOk;
    };
    exit_code = finish_stage(plan, options);

    // rerun_best: once every run of the sweep has finished, its best
    // settings per loss are rerun with fresh seeds, as a sweep of their own
    // in the same database; rerunning the command resumes either stage.
    if (plan.definition.rerun_best && exit_code == kExitFailure && options.only.empty()) {
      plan_rerun_stage(options.db_path, plan, stderr);  // says the reruns wait, and why
    }
    if (plan.definition.rerun_best && exit_code == kExitOk) {
      if (!options.only.empty()) {
        fmt::print(stderr,
                   "gansweep: rerun_best: --only trains runs of the sweep alone; run the file "
                   "without --only to rerun its best settings\n");
      } else if (const auto reruns = plan_rerun_stage(options.db_path, plan, stderr)) {
        exit_code = finish_stage(*reruns, options);
        if (exit_code == kExitOk) print_study_table(options.db_path, plan, stderr);
      }
    }
    fmt::print("{}\n", options.db_path.string());
  });
}

}  // namespace gansweep::cli
