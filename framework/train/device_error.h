// The error for a device that was asked for and is not there. Torch-free so
// that the command line can catch it without including LibTorch.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace gansweep {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The devices a sweep may spread its runs over, for `--devices all`:
// cuda:0 ... cuda:N-1 when LibTorch sees GPUs, else just "cpu". Declared
// here, torch-free, for the command line; defined in device.cpp.
std::vector<std::string> all_devices();

}  // namespace gansweep
