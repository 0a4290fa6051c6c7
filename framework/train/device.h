// Turns a device setting (auto, cpu, cuda, cuda:N) into a LibTorch device,
// with a clear error when CUDA is asked for and not there.
#pragma once

#include <string>

#include <torch/torch.h>

#include "train/device_error.h"

namespace gansweep {

// "auto" picks cuda:0 when LibTorch sees a GPU, else the CPU.
torch::Device resolve_device(const std::string& setting);

// "cpu", "cuda:0".
std::string device_name(const torch::Device& device);

}  // namespace gansweep
