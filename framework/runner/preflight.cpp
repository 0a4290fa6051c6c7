#include "runner/preflight.h"

#include <set>

#include "data/fashion_mnist.h"
#include "train/device.h"
#include "train/trainer.h"

namespace gansweep {

void preflight(const SweepPlan& plan, const RunnerOptions& options) {
  std::set<std::string> devices;
  std::set<std::string> image_folders;
  for (const auto& run : plan.runs) {
    devices.insert(options.device ? *options.device : run.experiment.device);
    if (!is_toy_data(run.experiment.data_kind)) image_folders.insert(run.experiment.data_path);
  }
  for (const auto& device : devices) resolve_device(device);
  for (const auto& folder : image_folders) preload_training_images(folder);
}

}  // namespace gansweep
