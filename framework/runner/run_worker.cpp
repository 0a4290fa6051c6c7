#include "runner/run_worker.h"

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
  store::RunEnvironment env;
  env.threads = options.threads;
  env.torch_version = TORCH_VERSION;
  env.host = host_name();
  env.git_commit = git_commit();
  env.pid = current_pid();
  env.device = experiment.device;

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

    TrainOptions train_options;
    train_options.device = device;
    train_options.stop_requested = options.stop_requested;
    train_options.on_step = options.on_step;
    train_options.checkpoint_path = checkpoint;
    train_options.checkpoint_seconds = options.checkpoint_seconds;
    if (experiment.data_kind == DataKind::kFashionMnist) {
      train_options.image_quality = quality::shared_image_quality(
          experiment.data_path, preload_training_images(experiment.data_path),
          options.classifier_dir.empty() ? default_classifier_dir(options.db_path)
                                         : options.classifier_dir,
          options.classifier_recipe, [&](const std::string& line) { log->info("{}", line); });
    }
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
    outcome.status = trained.status;
    outcome.first_nonfinite_step = trained.first_nonfinite_step;
    outcome.steps_done = trained.steps_done;
    outcome.train_seconds = trained.seconds;
    if (trained.status == store::RunStatus::kInterrupted) {
      outcome.error = "interrupted by a signal";
    } else {
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

}  // namespace gansweep
