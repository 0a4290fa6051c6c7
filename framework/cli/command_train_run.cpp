// `gansweep train-run FILE --db DB --run KEY`: trains one run of a sweep in
// this process, resuming it from its checkpoint if it has one. This is what
// `gansweep run` starts once per run, and what a Slurm array task runs; it
// is hidden from the help because users start sweeps, not single runs.
// With several --run, the runs train together as one stacked model (they
// must be stackable together, see runner/run_groups.h).
//
// Exit codes: 0 when the run finished (done or diverged) or was finished
// already, 130 when it was interrupted (checkpoint saved), 1 when it
// failed, 2 for bad input, and run_process::kExitBusy when another live
// process is training it.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include <unistd.h>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/rerun_stage.h"
#include "cli/run_selection.h"
#include "config/choices.h"
#include "config/sweep_plan.h"
#include "runner/run_groups.h"
#include "runner/run_process_protocol.h"
#include "runner/run_worker.h"

namespace gansweep::cli {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_train_run_signal(int) {
  // Second signal: out now. Committed rows and the last checkpoint are safe.
  if (g_stop_requested.exchange(true)) _exit(kExitInterrupted);
}

struct TrainRunArguments {
  std::string file;
  std::string db;
  std::string chosen_from;
  std::vector<std::string> runs;
  int threads = 1;
  std::string device;
  double checkpoint_seconds = 60;
  bool report_progress = false;
  std::string journal = "wal";
  std::string classifier_dir;
  CLI::Option* device_option = nullptr;
};

// One code for the group: busy when it could not start, else the worst of
// its runs' (failed, then interrupted, then finished).
int group_exit_code(const std::vector<WorkerResult>& results) {
  bool interrupted = false;
  bool failed = false;
  for (const auto& result : results) {
    if (result.claim == store::StartOutcome::kBusy) return run_process::kExitBusy;
    if (result.claim == store::StartOutcome::kAlreadyFinished) continue;
    if (result.outcome.status == store::RunStatus::kInterrupted) interrupted = true;
    if (result.outcome.status == store::RunStatus::kFailed ||
        result.outcome.status == store::RunStatus::kRunning ||
        result.outcome.status == store::RunStatus::kQueued) {
      failed = true;
    }
  }
  if (failed) return kExitFailure;
  return interrupted ? kExitInterrupted : kExitOk;
}

}  // namespace

void add_train_run_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("train-run", "Train one run of a sweep in this process");
  command->group("");  // hidden: `run` and Slurm tasks call it
  auto args = std::make_shared<TrainRunArguments>();
  command->add_option("FILE", args->file, "Sweep file (YAML)")->required();
  command->add_option("--db", args->db, "Result database")->required();
  command->add_option("--chosen-from", args->chosen_from,
                      "Database whose finished runs choose the reruns of rerun_best: (default: "
                      "--db; a Slurm task writes a shard of its own but is chosen from the "
                      "sweep's database)");
  command
      ->add_option("--run", args->runs,
                   "Run key (or a unique prefix); several train together as one stacked model")
      ->required();
  command->add_option("--threads", args->threads, "LibTorch threads")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  args->device_option = command->add_option("--device", args->device, "Override train.device");
  command
      ->add_option("--checkpoint-seconds", args->checkpoint_seconds, "Seconds between checkpoints")
      ->check(finite_seconds())
      ->capture_default_str();
  command
      ->add_option("--journal", args->journal,
                   "wal, or delete for a database on a network file system (Slurm shards)")
      ->check(CLI::IsMember({"wal", "delete"}))
      ->capture_default_str();
  command->add_option("--classifier-dir", args->classifier_dir,
                      "Classifier cache for Fashion-MNIST runs (default: classifiers/ beside "
                      "the database)");
  command->add_flag("--report-progress", args->report_progress,
                    "Print 'progress N' lines on standard output for the scheduler");

  command->callback([&exit_code, args] {
    // First thing: a stop request that arrives while the sweep file is read
    // or LibTorch starts must still end in a clean stop.
    struct sigaction action {};
    action.sa_handler = on_train_run_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    if (args->db.empty()) throw CLI::ValidationError("--db", "the database path is empty");
    SweepPlan plan = plan_sweep(load_sweep_file(args->file));
    // The reruns of rerun_best: exist once the sweep's runs have finished;
    // their keys are looked up among them when they are not the sweep's.
    if (plan.definition.rerun_best && !args->runs.empty() &&
        std::none_of(plan.runs.begin(), plan.runs.end(), [&](const PlannedRun& r) {
          return r.run_key.compare(0, args->runs.front().size(), args->runs.front()) == 0;
        })) {
      const std::string& chosen_from = args->chosen_from.empty() ? args->db : args->chosen_from;
      if (auto reruns = plan_rerun_stage(chosen_from, plan, nullptr)) plan = std::move(*reruns);
    }
    std::vector<std::string> keys = select_runs(plan, args->runs, "--run");
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<const PlannedRun*> runs;
    for (const auto& key : keys) {
      runs.push_back(&*std::find_if(plan.runs.begin(), plan.runs.end(),
                                    [&](const PlannedRun& r) { return r.run_key == key; }));
    }
    if (runs.size() > 1) {
      for (const auto* run : runs) {
        if (const std::string problem = stacking_problem(runs.front()->experiment, run->experiment);
            !problem.empty()) {
          throw CLI::ValidationError("--run", problem);
        }
      }
    }
    const PlannedRun* run = runs.front();

    WorkerOptions options;
    options.db_path = args->db;
    options.threads = args->threads;
    if (args->device_option->count() > 0) {
      if (const std::string problem = device_setting_problem(args->device); !problem.empty()) {
        throw CLI::ValidationError("--device", problem);
      }
      options.device = args->device;
    }
    options.checkpoint_seconds = args->checkpoint_seconds;
    options.journal = store::parse_journal_mode(args->journal);
    options.classifier_dir = args->classifier_dir;
    options.stop_requested = &g_stop_requested;
    if (args->report_progress) {
      auto last = std::make_shared<std::chrono::steady_clock::time_point>();
      const std::int64_t total = run->experiment.steps;
      options.on_step = [last, total](std::int64_t steps) {
        const auto now = std::chrono::steady_clock::now();
        if (steps < total && now - *last < std::chrono::milliseconds(250)) return;
        *last = now;
        fmt::print("{}\n", run_process::progress_line(steps));
        std::fflush(stdout);
      };
      options.on_resumed = [](std::int64_t step) {
        fmt::print("{}\n", run_process::resumed_line(step));
        std::fflush(stdout);
      };
      options.on_warning = [](const std::string& line) {
        std::string one_line = line;
        std::replace(one_line.begin(), one_line.end(), '\n', ' ');
        fmt::print("{}{}\n", run_process::kWarningPrefix, one_line);
        std::fflush(stdout);
      };
    }

    if (runs.size() > 1) {
      exit_code = group_exit_code(train_stacked_group_in_process(plan, runs, options));
      return;
    }
    const WorkerResult result = train_run_in_process(plan, *run, options);
    switch (result.claim) {
      case store::StartOutcome::kBusy:
        exit_code = run_process::kExitBusy;
        return;
      case store::StartOutcome::kAlreadyFinished:
        exit_code = kExitOk;
        return;
      default:
        break;
    }
    switch (result.outcome.status) {
      case store::RunStatus::kDone:
      case store::RunStatus::kDiverged:
        exit_code = kExitOk;
        break;
      case store::RunStatus::kInterrupted:
        exit_code = kExitInterrupted;
        break;
      default:
        exit_code = kExitFailure;
        break;
    }
  });
}

}  // namespace gansweep::cli
