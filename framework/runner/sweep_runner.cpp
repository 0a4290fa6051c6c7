#include "runner/sweep_runner.h"

#include <map>
#include <memory>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "quality/image_quality.h"
#include "runner/progress.h"
#include "runner/store_recorder.h"
#include "store/database.h"
#include "store/result_store.h"
#include "train/device.h"
#include "train/trainer.h"
#include "util/build_info.h"
#include "util/process.h"
#include "util/text.h"

namespace gansweep {
namespace {

store::ColumnValue to_column(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> store::ColumnValue {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return static_cast<std::int64_t>(v);
        } else {
          return v;
        }
      },
      value);
}

std::vector<store::RunRecord> run_records(const SweepPlan& plan,
                                          const std::optional<std::string>& device) {
  std::vector<store::RunRecord> records;
  records.reserve(plan.runs.size());
  for (const auto& run : plan.runs) {
    store::RunRecord record;
    record.run_key = run.run_key;
    record.position = run.position;
    Experiment experiment = run.experiment;
    if (device) experiment.device = *device;  // what the run is asked to use
    record.config_json = full_config_json(experiment);
    for (const auto& [path, value] : run.swept) {
      record.swept.emplace_back(column_name_of(path), to_column(value));
    }
    records.push_back(std::move(record));
  }
  return records;
}

// The log says what happened to the system; results go to the database.
std::shared_ptr<spdlog::logger> make_logger(const std::filesystem::path& db_path) {
  auto file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(db_path.string() + ".log",
                                                                       /*truncate=*/false);
  auto logger = std::make_shared<spdlog::logger>("gansweep", file_sink);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S%z [%l] %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace

std::filesystem::path default_db_path(const std::string& sweep_name) {
  return std::filesystem::path("results") / (safe_file_name(sweep_name) + ".db");
}

std::filesystem::path default_classifier_dir(const std::filesystem::path& db_path) {
  return db_path.parent_path() / "classifiers";
}

std::filesystem::path runs_directory(const std::filesystem::path& db_path) {
  // results/x.db -> results/x.runs; any other name keeps its extension
  // (exp.v1 -> exp.v1.runs) so two databases never share a folder.
  std::filesystem::path base = db_path;
  if (base.extension() == ".db") base.replace_extension();
  return base.string() + ".runs";
}

std::filesystem::path run_directory(const std::filesystem::path& db_path,
                                    const std::string& run_key) {
  return runs_directory(db_path) / run_key;
}

SweepOutcome run_sweep(const SweepPlan& plan, const RunnerOptions& options) {
  // Intra-op threads are process-wide in LibTorch; results are reproducible
  // for a given thread count, which each run records.
  at::set_num_threads(options.threads);
  SweepOutcome outcome;
  outcome.planned = static_cast<int>(plan.runs.size());

  if (options.db_path.has_parent_path()) {
    std::filesystem::create_directories(options.db_path.parent_path());
  }
  auto store = store::ResultStore::open_for_writing(options.db_path);
  store::SweepRecord sweep_record{plan.definition.name, plan.definition.file, plan.definition.text};
  const store::RegisterOutcome registered =
      store->register_sweep(sweep_record, run_records(plan, options.device));
  const auto statuses = store->run_statuses(plan.definition.name);
  auto log = make_logger(options.db_path);
  fmt::print(stderr, "gansweep: sweep '{}' -> {}\n", plan.definition.name,
             options.db_path.string());
  if (registered.file_changed) {
    const std::string note = fmt::format(
        "sweep '{}' was last run from a different text of its file; the earlier text is kept "
        "in sweep_versions{}",
        plan.definition.name,
        registered.runs_left_out > 0
            ? fmt::format(", and {} run{} it listed, no longer in the file, keep their results",
                          registered.runs_left_out, registered.runs_left_out == 1 ? "" : "s")
            : "");
    fmt::print(stderr, "gansweep: {}\n", note);
    log->warn("{}", note);
  }

  std::vector<const PlannedRun*> to_train;
  std::int64_t total_steps = 0;
  for (const auto& run : plan.runs) {
    const auto status = statuses.at(run.run_key);
    if (status == store::RunStatus::kDone || status == store::RunStatus::kDiverged) {
      ++outcome.skipped;
    } else {
      to_train.push_back(&run);
      total_steps += run.experiment.steps;
    }
  }
  log->info("sweep '{}' from {}: {} runs, {} already finished, {} to train; {} thread(s) per run",
            plan.definition.name, plan.definition.file, outcome.planned, outcome.skipped,
            to_train.size(), options.threads);

  Progress progress(stderr, options.interactive, static_cast<int>(to_train.size()), total_steps);
  if (outcome.skipped > 0) {
    progress.message(fmt::format("{} of {} runs already finished; skipping them", outcome.skipped,
                                 outcome.planned));
  }

  // Image runs are scored by one classifier per data folder, loaded (or
  // trained, once) at the first image run and shared by the rest.
  const std::filesystem::path classifier_dir = options.classifier_dir.empty()
                                                   ? default_classifier_dir(options.db_path)
                                                   : options.classifier_dir;
  std::map<std::string, std::shared_ptr<const quality::ImageQuality>> image_quality;
  // A classifier that could not be trained or cached fails the remaining
  // image runs at once instead of being trained again for each.
  std::map<std::string, std::string> image_quality_error;
  const auto image_quality_for = [&](const Experiment& e) {
    auto& quality = image_quality[e.data_path];
    if (quality) return quality;
    if (const auto it = image_quality_error.find(e.data_path); it != image_quality_error.end()) {
      throw std::runtime_error(it->second);
    }
    const auto note = [&](const std::string& line) {
      progress.message(line);
      log->info("{}", line);
    };
    try {
      quality = quality::shared_image_quality(e.data_path, preload_training_images(e.data_path),
                                              classifier_dir, options.classifier_recipe, note);
    } catch (const std::exception& error) {
      const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
      image_quality_error[e.data_path] = fmt::format(
          "image quality: {}", torch_error ? torch_error->what_without_backtrace() : error.what());
      throw std::runtime_error(image_quality_error[e.data_path]);
    }
    const quality::CachedClassifier& classifier = quality->classifier();
    const std::string line = fmt::format(
        "image quality: classifier {} ({}, test accuracy {:.4f}); training-set statistics {} "
        "({} in {:.1f} s)",
        classifier.path.string(),
        classifier.loaded_from_cache ? "from the cache"
                                     : fmt::format("trained in {:.0f} s", classifier.train_seconds),
        classifier.test_accuracy, quality->reference().path.string(),
        quality->reference().loaded_from_cache ? "loaded" : "computed",
        quality->reference().seconds);
    if (!classifier.loaded_from_cache) progress.message(line);
    log->info("{}", line);
    return quality;
  };

  for (std::size_t i = 0; i < to_train.size(); ++i) {
    if (options.stop_requested != nullptr && options.stop_requested->load()) break;
    const PlannedRun& run = *to_train[i];
    Experiment experiment = run.experiment;
    if (options.device) experiment.device = *options.device;

    store::RunEnvironment env;
    env.threads = options.threads;
    env.torch_version = TORCH_VERSION;
    env.host = host_name();
    env.git_commit = git_commit();
    env.pid = current_pid();

    progress.run_started(static_cast<int>(i), run.run_key);
    store::RunOutcome result;
    std::string device_text = experiment.device;
    try {
      const torch::Device device = resolve_device(experiment.device);
      device_text = device_name(device);
      env.device = device_text;
      const store::StartOutcome claim = store->start_run(run.run_key, env);
      if (claim != store::StartOutcome::kStarted) {
        // Another gansweep process on this machine trains it or has
        // finished it: nothing to do here.
        const std::string line = fmt::format(
            "run {}/{} {} skipped: {}", i + 1, to_train.size(), run.run_key,
            claim == store::StartOutcome::kBusy ? "another gansweep process is training it"
                                                : "finished meanwhile by another process");
        log->info("{}", line);
        progress.run_finished(line, run.experiment.steps);
        if (claim == store::StartOutcome::kBusy) {
          ++outcome.busy;
        } else {
          ++outcome.skipped;
        }
        continue;
      }
      log->info("run {} ({}/{}) started on {}", run.run_key, i + 1, to_train.size(), device_text);

      TrainOptions train_options;
      train_options.device = device;
      train_options.stop_requested = options.stop_requested;
      train_options.on_step = [&](std::int64_t steps) { progress.step(steps); };
      if (experiment.data_kind == DataKind::kFashionMnist) {
        train_options.image_quality = image_quality_for(experiment);
      }
      Trainer trainer(experiment, train_options);
      StoreRecorder recorder(*store, run.run_key);
      const TrainResult trained = trainer.train(recorder);
      result.status = trained.status;
      result.first_nonfinite_step = trained.first_nonfinite_step;
      result.steps_done = trained.steps_done;
      result.train_seconds = trained.seconds;
      if (trained.status == store::RunStatus::kInterrupted) {
        result.error = "interrupted by a signal";
      } else {
        trainer.save_generator(run_directory(options.db_path, run.run_key) / "generator.pt");
      }
    } catch (const store::StoreError&) {
      throw;  // the database itself is failing: stop the sweep
    } catch (const c10::Error& e) {
      // LibTorch's own message, without its C++ backtrace.
      result.status = store::RunStatus::kFailed;
      result.error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      result.status = store::RunStatus::kFailed;
      result.error = e.what();
    }
    store->finish_run(run.run_key, result);

    std::string line;
    switch (result.status) {
      case store::RunStatus::kDone:
        ++outcome.done;
        line = fmt::format("run {}/{} {} done: {} steps in {:.1f} s ({:.0f} steps/s)", i + 1,
                           to_train.size(), run.run_key, result.steps_done, result.train_seconds,
                           result.steps_done / std::max(result.train_seconds, 1e-9));
        break;
      case store::RunStatus::kDiverged:
        ++outcome.diverged;
        line = fmt::format("run {}/{} {} diverged: first non-finite value at step {}", i + 1,
                           to_train.size(), run.run_key, *result.first_nonfinite_step);
        break;
      case store::RunStatus::kInterrupted:
        ++outcome.interrupted;
        line = fmt::format("run {}/{} {} interrupted after {} steps", i + 1, to_train.size(),
                           run.run_key, result.steps_done);
        break;
      default:
        ++outcome.failed;
        line = fmt::format("run {}/{} {} failed: {}", i + 1, to_train.size(), run.run_key,
                           result.error);
        break;
    }
    log->info("{}", line);
    progress.run_finished(line, run.experiment.steps);
  }
  progress.finish();
  log->info(
      "sweep '{}': {} done, {} diverged, {} failed, {} interrupted, {} already finished, "
      "{} left to another process",
      plan.definition.name, outcome.done, outcome.diverged, outcome.failed, outcome.interrupted,
      outcome.skipped, outcome.busy);
  return outcome;
}

}  // namespace gansweep
