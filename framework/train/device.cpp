#include "train/device.h"

#include <fmt/format.h>

namespace gansweep {

torch::Device resolve_device(const std::string& setting) {
  const bool has_cuda = torch::cuda::is_available();
  if (setting == "auto") return has_cuda ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
  if (setting == "cpu") return torch::kCPU;
  if (setting.rfind("cuda", 0) == 0) {
    if (!has_cuda) {
      throw DeviceError(fmt::format("device '{}' was asked for, but {}; use device cpu or auto",
                                    setting,
                                    torch::cuda::device_count() == 0 && !has_cuda
                                        ? "this LibTorch build or machine has no usable CUDA GPU"
                                        : "CUDA is not available"));
    }
    int index = 0;
    if (setting.size() > 5) index = std::stoi(setting.substr(5));
    const int count = static_cast<int>(torch::cuda::device_count());
    if (index >= count) {
      throw DeviceError(fmt::format(
          "device '{}' was asked for, but only {} CUDA device{} "
          "(cuda:0{}) {} visible",
          setting, count, count == 1 ? "" : "s",
          count > 1 ? fmt::format("..cuda:{}", count - 1) : "", count == 1 ? "is" : "are"));
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw DeviceError(
      fmt::format("unknown device '{}'; expected auto, cpu, cuda or cuda:N", setting));
}

std::string device_name(const torch::Device& device) {
  if (device.is_cpu()) return "cpu";
  return fmt::format("cuda:{}", device.has_index() ? device.index() : 0);
}

}  // namespace gansweep

namespace gansweep {

std::vector<std::string> all_devices() {
  std::vector<std::string> devices;
  const auto count = torch::cuda::device_count();
  for (std::size_t i = 0; i < count; ++i) devices.push_back(fmt::format("cuda:{}", i));
  if (devices.empty()) devices.push_back("cpu");
  return devices;
}

}  // namespace gansweep
