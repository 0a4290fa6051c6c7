#include "runner/preflight.h"

#include <set>

#include "config/config_error.h"
#include "data/idx_file.h"
#include "train/device.h"
#include "train/trainer.h"

namespace gansweep {
namespace {

// Where a key was written in the sweep file (no position: its default).
SourcePosition position_in_file(const SweepPlan& plan, const std::string& path) {
  const auto it = plan.definition.base.find(path);
  return it == plan.definition.base.end() ? SourcePosition{} : it->second.position;
}

}  // namespace

void preflight(const SweepPlan& plan, const RunnerOptions& options) {
  std::set<std::string> devices;
  std::set<std::string> image_folders;
  for (const auto& run : plan.runs) {
    devices.insert(options.device ? *options.device : run.experiment.device);
    if (!is_toy_data(run.experiment.data_kind)) image_folders.insert(run.experiment.data_path);
  }
  // Errors name the setting that asked for the device or the files, as well
  // as what is missing.
  for (const auto& device : devices) {
    try {
      resolve_device(device);
    } catch (const DeviceError& e) {
      if (options.device) throw DeviceError(std::string("--device: ") + e.what());
      throw ConfigError(plan.definition.file, position_in_file(plan, "train.device"),
                        "train.device", e.what());
    }
  }
  for (const auto& folder : image_folders) {
    try {
      preload_training_images(folder);
    } catch (const data::DataError& e) {
      throw ConfigError(plan.definition.file, position_in_file(plan, "data.path"), "data.path",
                        e.what());
    }
  }
}

}  // namespace gansweep
