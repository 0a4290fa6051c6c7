#include "runner/scheduler.h"

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "runner/child_process.h"
#include "runner/progress.h"
#include "runner/run_paths.h"
#include "runner/run_process_protocol.h"
#include "runner/run_registration.h"
#include "store/database.h"
#include "store/result_store.h"
#include "util/process.h"

namespace gansweep {
namespace {

using Clock = std::chrono::steady_clock;

// A run stopped for its time limit gets this long to checkpoint and record
// itself before it is killed.
constexpr auto kStopGrace = std::chrono::seconds(30);
// How long to wait before asking again for a run another process holds.
constexpr auto kBusyRetryDelay = std::chrono::seconds(1);

// The log says what happened to the system; results go to the database.
std::shared_ptr<spdlog::logger> make_logger(const std::filesystem::path& db_path) {
  auto file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(db_path.string() + ".log",
                                                                       /*truncate=*/false);
  auto logger = std::make_shared<spdlog::logger>("gansweep", file_sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S%z [%l] %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

struct Waiting {
  const PlannedRun* run;
  Clock::time_point not_before;
};

struct InFlight {
  const PlannedRun* run = nullptr;
  std::size_t slot = 0;
  std::unique_ptr<ChildProcess> child;
  Clock::time_point started;
  bool training = false;   // has reported steps: it holds the run
  bool over_time = false;  // asked to stop for its time limit
  Clock::time_point stop_sent;
  bool resumed = false;
};

class Scheduler {
 public:
  Scheduler(const SweepPlan& plan, const SchedulerOptions& options)
      : plan_(plan), options_(options) {}

  SweepOutcome run();

 private:
  std::vector<std::string> arguments_for(const PlannedRun& run,
                                         const std::optional<std::string>& device) const;
  void launch(const PlannedRun& run, std::size_t slot);
  void ended(InFlight& flight, int wait_status);
  void read_output(InFlight& flight);
  bool stop_requested() const {
    return options_.stop_requested != nullptr && options_.stop_requested->load();
  }
  void say(const std::string& line, const std::string& run_key = "", bool counts = true) {
    log_->info("{}", line);
    if (run_key.empty()) {
      progress_->message(line);
    } else {
      progress_->run_finished(run_key, line, counts);
    }
  }

  const SweepPlan& plan_;
  const SchedulerOptions& options_;
  SweepOutcome outcome_;
  std::unique_ptr<store::ResultStore> store_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Progress> progress_;
  std::vector<std::optional<std::string>> slots_;
  std::vector<bool> slot_busy_;
  std::deque<Waiting> waiting_;
  std::vector<InFlight> in_flight_;
  std::map<std::string, int> attempts_;
  int runs_to_train_ = 0;
  int finished_count_ = 0;
};

std::vector<std::string> Scheduler::arguments_for(const PlannedRun& run,
                                                  const std::optional<std::string>& device) const {
  std::vector<std::string> argv = {options_.program.string(),
                                   "train-run",
                                   plan_.definition.file,
                                   "--db",
                                   options_.db_path.string(),
                                   "--run",
                                   run.run_key,
                                   "--threads",
                                   std::to_string(options_.threads),
                                   "--checkpoint-seconds",
                                   fmt::format("{}", options_.checkpoint_seconds),
                                   "--report-progress"};
  if (!options_.classifier_dir.empty()) {
    argv.push_back("--classifier-dir");
    argv.push_back(options_.classifier_dir.string());
  }
  if (device) {
    argv.push_back("--device");
    argv.push_back(*device);
  }
  return argv;
}

void Scheduler::launch(const PlannedRun& run, std::size_t slot) {
  const int attempt = ++attempts_[run.run_key];
  InFlight flight;
  flight.run = &run;
  flight.slot = slot;
  flight.started = Clock::now();
  flight.child = ChildProcess::start(arguments_for(run, slots_[slot]),
                                     run_log_path(options_.db_path, run.run_key));
  log_->info("run {} started (process {}, attempt {}{})", run.run_key, flight.child->pid(), attempt,
             slots_[slot] ? ", on " + *slots_[slot] : "");
  progress_->run_started(run.run_key);
  slot_busy_[slot] = true;
  in_flight_.push_back(std::move(flight));
}

void Scheduler::ended(InFlight& flight, int wait_status) {
  const PlannedRun& run = *flight.run;
  slot_busy_[flight.slot] = false;
  const std::string how = describe_wait_status(wait_status);
  const bool exited = WIFEXITED(wait_status);
  const int code = exited ? WEXITSTATUS(wait_status) : -1;
  const std::string log_file = run_log_path(options_.db_path, run.run_key).string();
  const std::string position =
      fmt::format("run {}/{} {}", finished_count_ + 1, runs_to_train_, run.run_key);

  if (exited && code == run_process::kExitBusy) {
    // Another gansweep process trains it: wait for that one to finish it,
    // so that this command ends with the whole sweep trained.
    --attempts_[run.run_key];
    log_->info("run {} is being trained by another gansweep process; waiting", run.run_key);
    progress_->run_finished(run.run_key, "", false);
    waiting_.push_back({&run, Clock::now() + kBusyRetryDelay});
    return;
  }

  std::optional<store::RunSummary> summary = store_->run_summary(run.run_key);
  if (!summary) throw store::StoreError("run " + run.run_key + " vanished from the database");
  const std::int64_t child_pid = flight.child->pid();
  const bool finished =
      summary->status == store::RunStatus::kDone || summary->status == store::RunStatus::kDiverged;
  if (summary->pid != child_pid) {
    // The process that ended holds no claim on the run (it found it
    // finished, or stopped before claiming it): whatever the database says
    // is another process's doing, and is left as it is.
    if (finished) {
      ++outcome_.skipped;
      ++finished_count_;
      say(fmt::format("{} was finished by another gansweep process", position), run.run_key);
      return;
    }
    if (summary->status == store::RunStatus::kRunning && same_program_is_alive(summary->pid)) {
      progress_->run_finished(run.run_key, "", false);
      if (!stop_requested()) waiting_.push_back({&run, Clock::now() + kBusyRetryDelay});
      return;
    }
    if (stop_requested()) {
      progress_->run_finished(run.run_key, "", false);  // it simply did not start
      return;
    }
  }
  if (flight.over_time && !finished) {
    const bool kept = std::filesystem::exists(checkpoint_path(options_.db_path, run.run_key));
    store_->fail_unfinished_run(
        run.run_key, child_pid,
        fmt::format("stopped after exceeding the time limit of {} s{}", options_.time_limit_seconds,
                    kept ? "; its checkpoint is kept, so a run with a longer limit resumes it"
                         : " (before its first checkpoint)"));
    summary = store_->run_summary(run.run_key);
  } else if (summary->status == store::RunStatus::kRunning ||
             summary->status == store::RunStatus::kQueued) {
    // The process ended without recording an outcome: killed, crashed, or
    // refused its arguments. Its log says more.
    store_->fail_unfinished_run(run.run_key, child_pid,
                                fmt::format("the run process {} (log: {})", how, log_file));
    summary = store_->run_summary(run.run_key);
  }

  const auto& s = *summary;
  switch (s.status) {
    case store::RunStatus::kDone:
      ++outcome_.done;
      ++finished_count_;
      say(fmt::format("{} done: {} steps in {:.1f} s{}", position, s.steps_done, s.train_seconds,
                      flight.resumed ? " (resumed from a checkpoint)" : ""),
          run.run_key);
      return;
    case store::RunStatus::kDiverged:
      ++outcome_.diverged;
      ++finished_count_;
      say(fmt::format("{} diverged: first non-finite value at step {}", position,
                      s.first_nonfinite_step.value_or(-1)),
          run.run_key);
      return;
    case store::RunStatus::kInterrupted:
      ++outcome_.interrupted;
      ++finished_count_;
      say(fmt::format("{} interrupted after {} steps; the next run resumes it", position,
                      s.steps_done),
          run.run_key);
      return;
    default:
      break;
  }
  // Failed. A crash may not happen again (another run's memory, a flaky
  // device), so it is tried again if the user allowed it; divergence never
  // gets here, it is a result.
  const int attempt = attempts_[run.run_key];
  if (!flight.over_time && !stop_requested() && attempt <= options_.retries) {
    ++outcome_.retried;
    say(fmt::format("{} failed ({}); trying again, attempt {} of {}", position, s.error,
                    attempt + 1, options_.retries + 1),
        run.run_key, false);
    waiting_.push_front({&run, Clock::now()});
    return;
  }
  ++outcome_.failed;
  ++finished_count_;
  say(fmt::format("{} failed: {}", position, s.error), run.run_key);
}

void Scheduler::read_output(InFlight& flight) {
  for (const std::string& line : flight.child->read_lines()) {
    if (auto steps = run_process::parse_line(line, "progress ")) {
      flight.training = true;
      progress_->step(flight.run->run_key, *steps);
    } else if (auto step = run_process::parse_line(line, "resumed ")) {
      flight.resumed = true;
      flight.training = true;
      ++outcome_.resumed;
      progress_->step(flight.run->run_key, *step);
    } else if (line.rfind(run_process::kWarningPrefix, 0) == 0) {
      say(fmt::format("run {}: {}", flight.run->run_key,
                      line.substr(run_process::kWarningPrefix.size())));
    }
  }
}

SweepOutcome Scheduler::run() {
  outcome_.planned = static_cast<int>(plan_.runs.size());
  if (options_.db_path.has_parent_path()) {
    std::filesystem::create_directories(options_.db_path.parent_path());
  }
  store_ = store::ResultStore::open_for_writing(options_.db_path);
  // What each run is asked to use is decided per slot, so the stored
  // settings keep the file's device.
  const store::RegisterOutcome registered =
      store_->register_sweep(sweep_record(plan_), run_records(plan_, std::nullopt));
  log_ = make_logger(options_.db_path);
  fmt::print(stderr, "gansweep: sweep '{}' -> {}\n", plan_.definition.name,
             options_.db_path.string());
  if (registered.file_changed) {
    const std::string note = fmt::format(
        "sweep '{}' was last run from a different text of its file; the earlier text is kept "
        "in sweep_versions{}",
        plan_.definition.name,
        registered.runs_left_out > 0
            ? fmt::format(", and {} run{} it listed, no longer in the file, keep their results",
                          registered.runs_left_out, registered.runs_left_out == 1 ? "" : "s")
            : "");
    fmt::print(stderr, "gansweep: {}\n", note);
    log_->warn("{}", note);
  }

  const std::set<std::string> only(options_.only.begin(), options_.only.end());
  const auto statuses = store_->run_statuses(plan_.definition.name);
  std::int64_t total_steps = 0;
  for (const auto& run : plan_.runs) {
    if (!only.empty() && only.count(run.run_key) == 0) continue;
    const auto status = statuses.at(run.run_key);
    if (status == store::RunStatus::kDone || status == store::RunStatus::kDiverged) {
      ++outcome_.skipped;
      // Left behind when a run process was killed between recording the
      // outcome and removing its checkpoint.
      std::error_code ignored;
      std::filesystem::remove(checkpoint_path(options_.db_path, run.run_key), ignored);
    } else {
      waiting_.push_back({&run, Clock::now()});
      total_steps += run.experiment.steps;
    }
  }
  runs_to_train_ = static_cast<int>(waiting_.size());

  if (options_.slot_devices.empty()) {
    slots_.assign(std::max(1, options_.jobs), std::nullopt);
  } else {
    for (const auto& device : options_.slot_devices) slots_.emplace_back(device);
  }
  slot_busy_.assign(slots_.size(), false);
  log_->info(
      "sweep '{}' from {}: {} runs, {} already finished, {} to train; {} at a time, {} "
      "thread(s) each, up to {} retr{} per run{}",
      plan_.definition.name, plan_.definition.file, outcome_.planned, outcome_.skipped,
      runs_to_train_, slots_.size(), options_.threads, options_.retries,
      options_.retries == 1 ? "y" : "ies",
      options_.time_limit_seconds > 0
          ? fmt::format(", {} s time limit per run", options_.time_limit_seconds)
          : "");

  progress_ = std::make_unique<Progress>(stderr, options_.interactive, runs_to_train_, total_steps);
  if (outcome_.skipped > 0) {
    progress_->message(fmt::format("{} of {} runs already finished; skipping them",
                                   outcome_.skipped, outcome_.planned));
  }

  bool stop_forwarded = false;
  while (!waiting_.empty() || !in_flight_.empty()) {
    if (stop_requested()) {
      if (!stop_forwarded) {
        // Runs in flight checkpoint, record themselves as interrupted, and
        // exit; a second Ctrl-C kills them at once (see the run command).
        for (auto& flight : in_flight_) flight.child->signal(SIGTERM);
        stop_forwarded = true;
        if (!in_flight_.empty()) {
          say(fmt::format("stopping: waiting for {} run{} to save a checkpoint", in_flight_.size(),
                          in_flight_.size() == 1 ? "" : "s"));
        }
      }
      if (in_flight_.empty()) break;
    } else {
      const auto now = Clock::now();
      for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        if (slot_busy_[slot]) continue;
        auto next = std::find_if(waiting_.begin(), waiting_.end(),
                                 [&](const Waiting& w) { return w.not_before <= now; });
        if (next == waiting_.end()) break;
        const PlannedRun* run = next->run;
        waiting_.erase(next);
        try {
          launch(*run, slot);
        } catch (const std::system_error& e) {
          // No process, so no claim: the run stays as it was in the
          // database, and the next `gansweep run` tries it again.
          ++outcome_.failed;
          ++finished_count_;
          say(fmt::format("run {}/{} {} could not start: {}", finished_count_, runs_to_train_,
                          run->run_key, e.what()),
              run->run_key);
        }
      }
    }

    std::vector<pollfd> fds;
    for (const auto& flight : in_flight_) {
      if (flight.child->output_fd() >= 0) fds.push_back({flight.child->output_fd(), POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), 200);

    const auto now = Clock::now();
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      InFlight& flight = *it;
      read_output(flight);
      if (options_.time_limit_seconds > 0) {
        const double seconds = std::chrono::duration<double>(now - flight.started).count();
        // Only a process that trains is limited: one that found its run
        // held by another process exits by itself.
        if (!flight.over_time && flight.training && seconds > options_.time_limit_seconds) {
          flight.over_time = true;
          flight.stop_sent = now;
          log_->warn("run {} exceeded its time limit of {} s; stopping it", flight.run->run_key,
                     options_.time_limit_seconds);
          flight.child->signal(SIGTERM);
        } else if (flight.over_time && now - flight.stop_sent > kStopGrace) {
          flight.child->signal(SIGKILL);
        }
      }
      if (const auto status = flight.child->try_wait()) {
        read_output(flight);  // what it wrote just before it ended
        ended(flight, *status);
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
  }
  progress_->finish();
  log_->info(
      "sweep '{}': {} done, {} diverged, {} failed, {} interrupted, {} already finished, "
      "{} resumed from checkpoints, {} retries",
      plan_.definition.name, outcome_.done, outcome_.diverged, outcome_.failed,
      outcome_.interrupted, outcome_.skipped, outcome_.resumed, outcome_.retried);
  return outcome_;
}

}  // namespace

SweepOutcome schedule_sweep(const SweepPlan& plan, const SchedulerOptions& options) {
  Scheduler scheduler(plan, options);
  return scheduler.run();
}

}  // namespace gansweep
