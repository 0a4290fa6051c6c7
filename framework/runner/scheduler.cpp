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
#include "runner/run_groups.h"
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

// What one run process trains: one run, or several stacked together (runs
// sorted by key, with their group's id).
struct Job {
  std::vector<const PlannedRun*> runs;
  std::string group;  // empty for a single run
  // Members of a resumed group that had finished (diverged) before: the
  // run process leaves them out, and so does the accounting.
  std::set<std::string> finished_before;
  const std::string& name() const { return group.empty() ? runs.front()->run_key : group; }
};

struct Waiting {
  std::shared_ptr<const Job> job;
  Clock::time_point not_before;
};

struct InFlight {
  std::shared_ptr<const Job> job;
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
  std::vector<std::string> arguments_for(const Job& job,
                                         const std::optional<std::string>& device) const;
  void launch(const std::shared_ptr<const Job>& job, std::size_t slot);
  void ended(InFlight& flight, int wait_status);
  void run_ended(const InFlight& flight, const PlannedRun& run, int wait_status);
  std::vector<std::shared_ptr<const Job>> form_jobs(const std::vector<const PlannedRun*>& runs);
  void remove_finished_group_checkpoints();
  std::set<std::string> given_up_groups_;  // checkpoints form_jobs could not use
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
  std::map<std::string, int> attempts_;  // by job name
  int runs_to_train_ = 0;
  bool retry_ = false;  // set by run_ended: the job goes back in the queue
  int finished_count_ = 0;
};

std::vector<std::string> Scheduler::arguments_for(const Job& job,
                                                  const std::optional<std::string>& device) const {
  std::vector<std::string> argv = {options_.program.string(), "train-run", plan_.definition.file,
                                   "--db", options_.db_path.string()};
  for (const auto* run : job.runs) {
    argv.push_back("--run");
    argv.push_back(run->run_key);
  }
  argv.insert(argv.end(), {"--threads", std::to_string(options_.threads), "--checkpoint-seconds",
                           fmt::format("{}", options_.checkpoint_seconds), "--report-progress"});
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

void Scheduler::launch(const std::shared_ptr<const Job>& job, std::size_t slot) {
  const int attempt = ++attempts_[job->name()];
  InFlight flight;
  flight.job = job;
  flight.slot = slot;
  flight.started = Clock::now();
  flight.child = ChildProcess::start(arguments_for(*job, slots_[slot]),
                                     run_log_path(options_.db_path, job->name()));
  if (job->group.empty()) {
    log_->info("run {} started (process {}, attempt {}{})", job->name(), flight.child->pid(),
               attempt, slots_[slot] ? ", on " + *slots_[slot] : "");
  } else {
    std::string keys;
    for (const auto* run : job->runs) keys += (keys.empty() ? "" : ", ") + run->run_key;
    log_->info("{} started: {} runs stacked as one model (process {}, attempt {}{}): {}",
               job->name(), job->runs.size(), flight.child->pid(), attempt,
               slots_[slot] ? ", on " + *slots_[slot] : "", keys);
  }
  for (const auto* run : job->runs) {
    if (job->finished_before.count(run->run_key) == 0) progress_->run_started(run->run_key);
  }
  slot_busy_[slot] = true;
  in_flight_.push_back(std::move(flight));
}

void Scheduler::ended(InFlight& flight, int wait_status) {
  slot_busy_[flight.slot] = false;
  const bool exited = WIFEXITED(wait_status);
  if (exited && WEXITSTATUS(wait_status) == run_process::kExitBusy) {
    // Another gansweep process trains a run of it: wait for that one to
    // finish it, so that this command ends with the whole sweep trained.
    --attempts_[flight.job->name()];
    log_->info("{} is being trained by another gansweep process; waiting", flight.job->name());
    for (const auto* run : flight.job->runs) progress_->run_finished(run->run_key, "", false);
    waiting_.push_back({flight.job, Clock::now() + kBusyRetryDelay});
    return;
  }
  retry_ = false;
  for (const auto* run : flight.job->runs) {
    if (flight.job->finished_before.count(run->run_key) == 0) run_ended(flight, *run, wait_status);
  }
  if (retry_) waiting_.push_front({flight.job, Clock::now()});
}

void Scheduler::run_ended(const InFlight& flight, const PlannedRun& run, int wait_status) {
  const std::string how = describe_wait_status(wait_status);
  const std::string log_file = run_log_path(options_.db_path, flight.job->name()).string();
  const std::string position =
      fmt::format("run {}/{} {}", finished_count_ + 1, runs_to_train_, run.run_key);

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
      if (!stop_requested()) {
        waiting_.push_back(
            {std::make_shared<const Job>(Job{{&run}, "", {}}), Clock::now() + kBusyRetryDelay});
      }
      return;
    }
    if (stop_requested()) {
      progress_->run_finished(run.run_key, "", false);  // it simply did not start
      return;
    }
  }
  if (flight.over_time && !finished) {
    const bool kept =
        std::filesystem::exists(checkpoint_path(options_.db_path, flight.job->name()));
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
  // A stacked group is tried again as the same group: its runs finished
  // meanwhile are left out by the run process, and its checkpoint fits.
  const int attempt = attempts_[flight.job->name()];
  if (!flight.over_time && !stop_requested() && attempt <= options_.retries) {
    ++outcome_.retried;
    say(fmt::format("{} failed ({}); trying again, attempt {} of {}", position, s.error,
                    attempt + 1, options_.retries + 1),
        run.run_key, false);
    retry_ = true;
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
      for (const auto* run : flight.job->runs) {
        if (flight.job->finished_before.count(run->run_key) == 0) {
          progress_->step(run->run_key, *steps);
        }
      }
    } else if (auto step = run_process::parse_line(line, "resumed ")) {
      flight.resumed = true;
      flight.training = true;
      for (const auto* run : flight.job->runs) {
        if (flight.job->finished_before.count(run->run_key) > 0) continue;
        ++outcome_.resumed;
        progress_->step(run->run_key, *step);
      }
    } else if (line.rfind(run_process::kWarningPrefix, 0) == 0) {
      say(fmt::format("{}{}: {}", flight.job->group.empty() ? "run " : "", flight.job->name(),
                      line.substr(run_process::kWarningPrefix.size())));
    }
  }
}

// Runs to train, as the jobs of run processes. A stacked group that has a
// checkpoint resumes as the same group (all the runs the database lists in
// it), a run with a checkpoint of its own resumes alone, and the other runs
// that can share a model are stacked in groups spread over the slots (16
// runs on 2 slots: 2 groups of 8), unless vectorising is off.
std::vector<std::shared_ptr<const Job>> Scheduler::form_jobs(
    const std::vector<const PlannedRun*>& runs) {
  std::vector<std::shared_ptr<const Job>> jobs;
  const auto single = [](const PlannedRun* run) {
    return std::make_shared<const Job>(Job{{run}, "", {}});
  };
  if (!options_.vectorise) {
    std::set<std::string> warned;
    for (const auto* run : runs) {
      const auto summary = store_->run_summary(run->run_key);
      if (summary && summary->execution == "stacked" && !summary->stack_group.empty() &&
          std::filesystem::exists(checkpoint_path(options_.db_path, summary->stack_group)) &&
          warned.insert(summary->stack_group).second) {
        given_up_groups_.insert(summary->stack_group);
        say(
            fmt::format("{} was trained stacked and has a checkpoint, which --no-vectorise "
                        "cannot use: its runs train alone from step 0 (run without "
                        "--no-vectorise to resume them)",
                        summary->stack_group));
      }
      jobs.push_back(single(run));
    }
    return jobs;
  }
  std::map<std::string, const PlannedRun*> by_key;
  for (const auto& run : plan_.runs) by_key[run.run_key] = &run;
  std::map<std::string, std::vector<std::string>> group_members;  // group -> sorted keys
  for (const auto& summary : store_->run_summaries()) {
    if (summary.execution == "stacked" && !summary.stack_group.empty()) {
      group_members[summary.stack_group].push_back(summary.run_key);
    }
  }
  std::set<std::string> assigned;
  std::set<std::string> unusable;  // group checkpoints that cannot resume
  std::vector<const PlannedRun*> fresh;
  int resumed_groups = 0;
  int resumed_runs = 0;
  for (const auto* run : runs) {
    if (assigned.count(run->run_key) > 0) continue;
    const auto summary = store_->run_summary(run->run_key);
    const std::string group = summary ? summary->stack_group : "";
    if (!group.empty() && summary->execution == "stacked" &&
        std::filesystem::exists(checkpoint_path(options_.db_path, group))) {
      auto keys = group_members[group];
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      Job job;
      job.group = group;
      bool complete = stack_group_id(keys) == group;
      for (const auto& key : keys) {
        const auto found = by_key.find(key);
        if (found == by_key.end()) {
          complete = false;  // a member no longer in the sweep file
          break;
        }
        job.runs.push_back(found->second);
        const auto member = store_->run_summary(key);
        if (member && (member->status == store::RunStatus::kDone ||
                       member->status == store::RunStatus::kDiverged)) {
          job.finished_before.insert(key);
        }
      }
      if (complete) {
        for (const auto& key : keys) assigned.insert(key);
        int unasked = 0;
        for (const auto* member : job.runs) {
          if (std::find(runs.begin(), runs.end(), member) == runs.end() &&
              job.finished_before.count(member->run_key) == 0) {
            ++unasked;
          }
        }
        if (unasked > 0) {
          // A group resumes whole or not at all; its runs outside --only
          // come along rather than lose the group's progress.
          runs_to_train_ += unasked;
          outcome_.brought_along += unasked;
          say(
              fmt::format("{} resumes with all {} runs of its stacked group, {} of them not "
                          "asked for",
                          group, keys.size(), unasked));
        }
        log_->info("{} resumes as the group it was: {} runs", group, keys.size());
        ++resumed_groups;
        resumed_runs += static_cast<int>(job.runs.size() - job.finished_before.size());
        jobs.push_back(std::make_shared<const Job>(std::move(job)));
        continue;
      }
      // The group cannot be formed again (the sweep file no longer lists all
      // of its runs): its progress is lost, which the user must hear of.
      if (unusable.insert(group).second) {
        given_up_groups_.insert(group);
        say(fmt::format(
            "{}'s checkpoint cannot be used: the sweep file no longer lists all {} of its runs, "
            "and a stacked group resumes only whole; its unfinished runs train from step 0",
            group, keys.size()));
      }
    }
    if (std::filesystem::exists(checkpoint_path(options_.db_path, run->run_key))) {
      jobs.push_back(single(run));  // resumes as it was trained: alone
    } else {
      fresh.push_back(run);
    }
  }
  std::vector<const Experiment*> experiments;
  for (const auto* run : fresh) experiments.push_back(&run->experiment);
  const std::size_t per_slot = (fresh.size() + slots_.size() - 1) / slots_.size();
  const std::size_t most = std::clamp<std::size_t>(per_slot, 1, kMaxStackedRuns);
  int stacked_runs = 0;
  int groups = 0;
  for (const auto& members : form_stacked_groups(experiments, most)) {
    if (members.size() == 1) {
      jobs.push_back(single(fresh[members.front()]));
      continue;
    }
    Job job;
    for (const auto index : members) job.runs.push_back(fresh[index]);
    std::sort(job.runs.begin(), job.runs.end(),
              [](const PlannedRun* a, const PlannedRun* b) { return a->run_key < b->run_key; });
    std::vector<std::string> keys;
    for (const auto* run : job.runs) keys.push_back(run->run_key);
    job.group = stack_group_id(keys);
    stacked_runs += static_cast<int>(job.runs.size());
    ++groups;
    jobs.push_back(std::make_shared<const Job>(std::move(job)));
  }
  if (groups > 0) {
    say(
        fmt::format("training {} runs as {} stacked group{} (runs that share a model shape train "
                    "as one batched model; --no-vectorise trains each alone)",
                    stacked_runs, groups, groups == 1 ? "" : "s"));
  }
  return jobs;
}

// A stacked group's checkpoint outlives its use when the group process was
// killed after its last run finished, or when its runs were trained
// another way (--no-vectorise): removes those of groups whose runs are all
// finished.
void Scheduler::remove_finished_group_checkpoints() {
  std::map<std::string, bool> group_finished;
  // Groups given up this time: their runs were claimed again otherwise.
  for (const auto& group : given_up_groups_) group_finished[group] = true;
  for (const auto& summary : store_->run_summaries()) {
    if (summary.stack_group.empty()) continue;
    const bool finished =
        summary.status == store::RunStatus::kDone || summary.status == store::RunStatus::kDiverged;
    auto [it, added] = group_finished.try_emplace(summary.stack_group, finished);
    if (!added || given_up_groups_.count(summary.stack_group) > 0) {
      it->second = it->second && finished;
    }
  }
  for (const auto& [group, finished] : group_finished) {
    if (!finished) continue;
    std::error_code ignored;
    const auto checkpoint = checkpoint_path(options_.db_path, group);
    std::filesystem::remove(checkpoint, ignored);
    std::filesystem::remove(checkpoint.string() + ".partial", ignored);
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

  if (options_.slot_devices.empty()) {
    slots_.assign(std::max(1, options_.jobs), std::nullopt);
  } else {
    for (const auto& device : options_.slot_devices) slots_.emplace_back(device);
  }
  slot_busy_.assign(slots_.size(), false);

  const std::set<std::string> only(options_.only.begin(), options_.only.end());
  const auto statuses = store_->run_statuses(plan_.definition.name);
  std::int64_t total_steps = 0;
  std::vector<const PlannedRun*> to_train;
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
      to_train.push_back(&run);
      total_steps += run.experiment.steps;
    }
  }
  runs_to_train_ = static_cast<int>(to_train.size());
  remove_finished_group_checkpoints();
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
  for (const auto& job : form_jobs(to_train)) waiting_.push_back({job, Clock::now()});

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
        const std::shared_ptr<const Job> job = next->job;
        waiting_.erase(next);
        try {
          launch(job, slot);
        } catch (const std::system_error& e) {
          // No process, so no claim: the runs stay as they were in the
          // database, and the next `gansweep run` tries them again.
          for (const auto* run : job->runs) {
            ++outcome_.failed;
            ++finished_count_;
            say(fmt::format("run {}/{} {} could not start: {}", finished_count_, runs_to_train_,
                            run->run_key, e.what()),
                run->run_key);
          }
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
          log_->warn("{} exceeded its time limit of {} s; stopping it", flight.job->name(),
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
  remove_finished_group_checkpoints();
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
