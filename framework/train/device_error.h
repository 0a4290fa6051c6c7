// The error for a device that was asked for and is not there. Torch-free so
// that the command line can catch it without including LibTorch.
#pragma once

#include <stdexcept>

namespace gansweep {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gansweep
