#include "runner/run_worker.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "quality/image_quality.h"
#include "runner/run_paths.h"
#include "runner/run_registration.h"
#include "runner/store_recorder.h"
#include "store/database.h"
#include "store/result_store.h"
#include "train/device.h"
#include "train/stacked_trainer.h"
#include "train/trainer.h"
#include "util/build_info.h"
#include "util/process.h"

namespace gansweep {
namespace {

// A run process logs to its standard error, which the scheduler sends to the
// run's own log file (and Slurm to the task's output file).
std::shared_ptr<spdlog::logger> make_run_logger(const std::string& run_key) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("run " + run_key, sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S%z [%l] %n: %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

// Step rows below `step`: one per log.every steps (a diverged run stops, so
// no non-finite row can lie before a checkpoint).
std::int64_t step_rows_before(std::int64_t step, std::int64_t log_every) {
  return (step + log_every - 1) / log_every;
}

std::shared_ptr<const quality::ImageQuality> image_quality_for(
    const Experiment& experiment, const WorkerOptions& options,
    const std::shared_ptr<spdlog::logger>& log) {
  if (experiment.data_kind != DataKind::kFashionMnist) return nullptr;
  return quality::shared_image_quality(
      experiment.data_path, preload_training_images(experiment.data_path),
      options.classifier_dir.empty() ? default_classifier_dir(options.db_path)
                                     : options.classifier_dir,
      options.classifier_recipe, [log](const std::string& line) { log->info("{}", line); });
}

// Who trains a run, recorded with its claim. The device is the setting
// until the worker resolves it.
store::RunEnvironment run_environment(const WorkerOptions& options, const std::string& device) {
  store::RunEnvironment env;
  env.threads = options.threads;
  env.torch_version = TORCH_VERSION;
  env.host = host_name();
  env.git_commit = git_commit();
  env.pid = current_pid();
  env.device = device;
  return env;
}

// How a worker asks a trainer to run: on `device`, stopping and reporting
// as the options say, checkpointing at `checkpoint`, scoring images.
TrainOptions train_options_for(const Experiment& experiment, const torch::Device& device,
                               const std::filesystem::path& checkpoint,
                               const WorkerOptions& options,
                               const std::shared_ptr<spdlog::logger>& log) {
  TrainOptions train_options;
  train_options.device = device;
  train_options.stop_requested = options.stop_requested;
  train_options.on_step = options.on_step;
  train_options.checkpoint_path = checkpoint;
  train_options.checkpoint_seconds = options.checkpoint_seconds;
  train_options.image_quality = image_quality_for(experiment, options, log);
  return train_options;
}

// What a training result records in the run's row, for a run trained alone
// or in a stacked group.
store::RunOutcome outcome_of(const TrainResult& trained) {
  store::RunOutcome outcome;
  outcome.status = trained.status;
  outcome.first_nonfinite_step = trained.first_nonfinite_step;
  outcome.steps_done = trained.steps_done;
  outcome.train_seconds = trained.seconds;
  if (trained.status == store::RunStatus::kInterrupted) outcome.error = "interrupted by a signal";
  return outcome;
}

}  // namespace

WorkerResult train_run_in_process(const SweepPlan& plan, const PlannedRun& run,
                                  const WorkerOptions& options) {
  // Intra-op threads are process-wide in LibTorch; results are reproducible
  // for a given thread count, which each run records.
  at::set_num_threads(options.threads);
  auto log = make_run_logger(run.run_key);
  // Losing a checkpoint's progress is worth a line beside the progress bar
  // too, not only in the run's log.
  const auto warn = [&](const std::string& line) {
    log->warn("{}", line);
    if (options.on_warning) options.on_warning(line);
  };
  WorkerResult result;

  if (options.db_path.has_parent_path()) {
    std::filesystem::create_directories(options.db_path.parent_path());
  }
  auto store = store::ResultStore::open_for_writing(options.db_path, options.journal);
  if (store->run_statuses(plan.definition.name).count(run.run_key) == 0) {
    store->register_sweep(sweep_record(plan), {run_record(run, options.device)});
  }

  Experiment experiment = run.experiment;
  if (options.device) experiment.device = *options.device;
  store::RunEnvironment env = run_environment(options, experiment.device);

  const std::filesystem::path checkpoint = checkpoint_path(options.db_path, run.run_key);
  std::optional<store::ResumePoint> resume;
  if (std::filesystem::exists(checkpoint)) {
    try {
      const std::int64_t step = read_checkpoint_step(checkpoint);
      resume = store::ResumePoint{step, step_rows_before(step, experiment.log_every)};
    } catch (const CheckpointError& e) {
      warn(fmt::format("{}; training from step 0", e.what()));
    }
  }

  store::RunOutcome& outcome = result.outcome;
  try {
    const torch::Device device = resolve_device(experiment.device);
    env.device = device_name(device);
    result.claim = store->start_run(run.run_key, env, resume);
    if (result.claim == store::StartOutcome::kBusy ||
        result.claim == store::StartOutcome::kAlreadyFinished) {
      log->info("not trained here: {}", result.claim == store::StartOutcome::kBusy
                                            ? "another gansweep process is training it"
                                            : "it is finished");
      return result;
    }

    const TrainOptions train_options =
        train_options_for(experiment, device, checkpoint, options, log);
    auto trainer = std::make_unique<Trainer>(experiment, train_options);
    if (result.claim == store::StartOutcome::kResumed) {
      try {
        result.resumed_from = trainer->resume_from(checkpoint);
        log->info("resumed from the checkpoint at step {} on {}", *result.resumed_from, env.device);
        if (options.on_resumed) options.on_resumed(*result.resumed_from);
      } catch (const CheckpointError& e) {
        // The rows up to the checkpoint were kept for it; without it they
        // must go, and the run starts over.
        warn(fmt::format("{}; training from step 0", e.what()));
        trainer = std::make_unique<Trainer>(experiment, train_options);
        result.claim = store->start_run(run.run_key, env);
      }
    } else {
      if (resume) warn("the database's rows do not match the checkpoint; training from step 0");
      log->info("started on {}", env.device);
    }

    StoreRecorder recorder(*store, run.run_key);
    const TrainResult trained = trainer->train(recorder);
    outcome = outcome_of(trained);
    if (trained.status != store::RunStatus::kInterrupted) {
      trainer->save_generator(generator_weights_path(options.db_path, run.run_key));
    }
  } catch (const store::StoreError&) {
    throw;  // the database itself is failing: nothing can be recorded
  } catch (const c10::Error& e) {
    // LibTorch's own message, without its C++ backtrace.
    outcome.status = store::RunStatus::kFailed;
    outcome.error = e.what_without_backtrace();
  } catch (const std::exception& e) {
    outcome.status = store::RunStatus::kFailed;
    outcome.error = e.what();
  }
  store->finish_run(run.run_key, outcome);
  // A finished run is a result: its checkpoint would only take space. Failed
  // and interrupted runs keep theirs to resume from.
  if (outcome.status == store::RunStatus::kDone || outcome.status == store::RunStatus::kDiverged) {
    std::error_code ignored;
    std::filesystem::remove(checkpoint, ignored);
  }
  log->info("{}: {} steps{}", to_string(outcome.status), outcome.steps_done,
            outcome.error.empty() ? "" : ": " + outcome.error);
  return result;
}

std::vector<WorkerResult> train_stacked_group_in_process(const SweepPlan& plan,
                                                         const std::vector<const PlannedRun*>& runs,
                                                         const WorkerOptions& options) {
  at::set_num_threads(options.threads);
  std::vector<std::string> keys;
  for (const auto* run : runs) keys.push_back(run->run_key);
  const std::string group = stack_group_id(keys);
  auto log = make_run_logger(group);
  const auto warn = [&](const std::string& line) {
    log->warn("{}", line);
    if (options.on_warning) options.on_warning(line);
  };
  std::vector<WorkerResult> results(runs.size());

  if (options.db_path.has_parent_path()) {
    std::filesystem::create_directories(options.db_path.parent_path());
  }
  auto store = store::ResultStore::open_for_writing(options.db_path, options.journal);
  {
    const auto known = store->run_statuses(plan.definition.name);
    std::vector<store::RunRecord> missing;
    for (const auto* run : runs) {
      if (known.count(run->run_key) == 0) missing.push_back(run_record(*run, options.device));
    }
    if (!missing.empty()) store->register_sweep(sweep_record(plan), missing);
  }
  // A run another live process trains keeps the whole group from starting:
  // its members are trained together or not at all.
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const auto summary = store->run_summary(runs[r]->run_key);
    if (summary && summary->status == store::RunStatus::kRunning && summary->pid != current_pid() &&
        same_program_is_alive(summary->pid)) {
      log->info("not trained here: another gansweep process is training run {}", runs[r]->run_key);
      for (auto& result : results) result.claim = store::StartOutcome::kBusy;
      return results;
    }
  }

  std::vector<Experiment> experiments;
  for (const auto* run : runs) {
    experiments.push_back(run->experiment);
    if (options.device) experiments.back().device = *options.device;
  }
  store::RunEnvironment env = run_environment(options, experiments.front().device);
  env.execution = "stacked";
  env.stack_group = group;

  const std::filesystem::path checkpoint = checkpoint_path(options.db_path, group);
  std::optional<std::int64_t> checkpoint_step;
  if (std::filesystem::exists(checkpoint)) {
    try {
      checkpoint_step = read_checkpoint_step(checkpoint);
    } catch (const CheckpointError& e) {
      warn(fmt::format("{}; training the group from step 0", e.what()));
    }
  }

  // Claims every unfinished run; with `resume`, keeping the rows up to the
  // checkpoint. Returns whether every claimed run could keep them.
  std::vector<bool> claimed(runs.size(), false);
  const auto claim_all = [&](const std::optional<std::int64_t>& resume_step) {
    bool all_resumed = true;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      std::optional<store::ResumePoint> resume;
      if (resume_step) {
        resume = store::ResumePoint{*resume_step,
                                    step_rows_before(*resume_step, experiments[r].log_every)};
      }
      const auto outcome = store->start_run(runs[r]->run_key, env, resume);
      results[r].claim = outcome;
      claimed[r] =
          outcome == store::StartOutcome::kStarted || outcome == store::StartOutcome::kResumed;
      if (outcome == store::StartOutcome::kStarted) all_resumed = false;
      if (outcome == store::StartOutcome::kBusy) {
        throw std::runtime_error("another gansweep process claimed run " + runs[r]->run_key +
                                 " of this stacked group meanwhile; run the sweep again");
      }
    }
    return all_resumed;
  };

  std::vector<std::unique_ptr<StoreRecorder>> recorders;
  std::vector<RunRecorder*> recorder_pointers;
  for (const auto* run : runs) {
    recorders.push_back(std::make_unique<StoreRecorder>(*store, run->run_key));
    recorder_pointers.push_back(recorders.back().get());
  }
  std::vector<bool> recorded(runs.size(), false);
  const auto record = [&](std::size_t r, store::RunOutcome outcome) {
    store->finish_run(runs[r]->run_key, outcome);
    results[r].outcome = std::move(outcome);
    recorded[r] = true;
  };

  try {
    const torch::Device device = resolve_device(experiments.front().device);
    env.device = device_name(device);
    const TrainOptions train_options =
        train_options_for(experiments.front(), device, checkpoint, options, log);

    auto trainer = std::make_unique<StackedTrainer>(experiments, train_options);
    bool resumed = false;
    if (checkpoint_step && claim_all(checkpoint_step)) {
      try {
        const std::int64_t step = trainer->resume_from(checkpoint);
        for (auto& result : results) result.resumed_from = step;
        resumed = true;
        log->info("resumed {} runs from the group's checkpoint at step {} on {}", runs.size(), step,
                  env.device);
        if (options.on_resumed) options.on_resumed(step);
      } catch (const CheckpointError& e) {
        warn(fmt::format("{}; training the group from step 0", e.what()));
        trainer = std::make_unique<StackedTrainer>(experiments, train_options);
      }
    } else if (checkpoint_step) {
      warn("the database's rows do not match the group's checkpoint; training from step 0");
    }
    if (!resumed) {
      claim_all(std::nullopt);
      log->info("started {} of {} runs as one stacked model on {} (the others are finished)",
                std::count(claimed.begin(), claimed.end(), true), runs.size(), env.device);
    }
    for (std::size_t r = 0; r < runs.size(); ++r) {
      if (!claimed[r]) trainer->exclude(static_cast<std::int64_t>(r));
    }

    const auto trained =
        trainer->train(recorder_pointers, [&](std::int64_t r, const TrainResult& result) {
          // Diverged while the others train on: recorded at once, so that a
          // later crash of the group cannot lose it.
          trainer->save_generator(r, generator_weights_path(options.db_path, runs[r]->run_key));
          record(static_cast<std::size_t>(r), outcome_of(result));
        });
    for (std::size_t r = 0; r < runs.size(); ++r) {
      if (!claimed[r] || recorded[r]) continue;
      store::RunOutcome outcome = outcome_of(trained[r]);
      if (outcome.status != store::RunStatus::kInterrupted) {
        trainer->save_generator(static_cast<std::int64_t>(r),
                                generator_weights_path(options.db_path, runs[r]->run_key));
      }
      record(r, std::move(outcome));
    }
  } catch (const store::StoreError&) {
    throw;
  } catch (const std::exception& e) {
    std::string error = e.what();
    if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e)) {
      error = torch_error->what_without_backtrace();
    }
    for (std::size_t r = 0; r < runs.size(); ++r) {
      if (!claimed[r] || recorded[r]) continue;
      store::RunOutcome outcome;
      outcome.status = store::RunStatus::kFailed;
      outcome.error = error;
      record(r, std::move(outcome));
    }
  }
  // The checkpoint goes once no run of the group can need it.
  bool all_finished = true;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (!claimed[r]) continue;
    const auto status = results[r].outcome.status;
    if (status != store::RunStatus::kDone && status != store::RunStatus::kDiverged) {
      all_finished = false;
    }
  }
  if (all_finished) {
    std::error_code ignored;
    std::filesystem::remove(checkpoint, ignored);
    std::filesystem::remove(checkpoint.string() + ".partial", ignored);  // a killed write's
  }
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (!claimed[r]) continue;
    const auto& outcome = results[r].outcome;
    log->info("run {}: {}: {} steps{}", runs[r]->run_key, to_string(outcome.status),
              outcome.steps_done, outcome.error.empty() ? "" : ": " + outcome.error);
  }
  return results;
}

}  // namespace gansweep
