#include "runner/preflight.h"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "config/config_error.h"
#include "data/idx_file.h"
#include "runner/run_paths.h"
#include "train/device.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

// Where a key was written in the sweep file (no position: its default).
SourcePosition position_in_file(const SweepPlan& plan, const std::string& path) {
  const auto it = plan.definition.base.find(path);
  return it == plan.definition.base.end() ? SourcePosition{} : it->second.position;
}

// The database and the folder of per-run files must be usable as such, and
// every existing folder on the way must be a folder.
void check_output_paths(const std::filesystem::path& db) {
  namespace fs = std::filesystem;
  if (db.empty()) throw OutputPathError("--db: the database path is empty");
  std::error_code ec;
  const auto status = fs::status(db, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    throw OutputPathError(fmt::format("{}: is {}; expected a database file or a new name",
                                      db.string(),
                                      fs::is_directory(status) ? "a folder" : "a special file"));
  }
  for (fs::path folder = db.parent_path(); !folder.empty(); folder = folder.parent_path()) {
    const auto folder_status = fs::status(folder, ec);
    if (fs::exists(folder_status) && !fs::is_directory(folder_status)) {
      throw OutputPathError(fmt::format("{}: cannot hold the database: {} is not a folder",
                                        db.string(), folder.string()));
    }
    if (folder == folder.parent_path()) break;
  }
  const fs::path runs = runs_directory(db);
  if (fs::exists(runs, ec) && !fs::is_directory(runs, ec)) {
    throw OutputPathError(fmt::format(
        "{}: is not a folder; gansweep keeps each run's generator weights there", runs.string()));
  }
}

}  // namespace

void preflight(const SweepPlan& plan, const std::filesystem::path& db_path,
               const std::vector<std::string>& device_overrides,
               const std::string& override_option) {
  check_output_paths(db_path);
  std::set<std::string> devices(device_overrides.begin(), device_overrides.end());
  std::set<std::string> image_folders;
  for (const auto& run : plan.runs) {
    if (device_overrides.empty()) devices.insert(run.experiment.device);
    if (!is_toy_data(run.experiment.data_kind)) image_folders.insert(run.experiment.data_path);
  }
  // Errors name the setting that asked for the device or the files, as well
  // as what is missing.
  for (const auto& device : devices) {
    try {
      resolve_device(device);
    } catch (const DeviceError& e) {
      if (!device_overrides.empty()) {
        throw DeviceError(override_option + ": " + std::string(e.what()));
      }
      throw ConfigError(plan.definition.file, position_in_file(plan, "train.device"),
                        "train.device", e.what());
    }
  }
  for (const auto& folder : image_folders) {
    std::int64_t images = 0;
    try {
      images = preload_training_images(folder).images.size(0);
    } catch (const data::DataError& e) {
      throw ConfigError(plan.definition.file, position_in_file(plan, "data.path"), "data.path",
                        e.what());
    }
    for (const auto& run : plan.runs) {
      if (!is_toy_data(run.experiment.data_kind) && run.experiment.data_path == folder &&
          run.experiment.batch > images) {
        throw ConfigError(plan.definition.file, position_in_file(plan, "train.batch"),
                          "train.batch",
                          fmt::format("{} is larger than the {} training images in {}",
                                      run.experiment.batch, images, folder));
      }
    }
  }
}

}  // namespace gansweep
