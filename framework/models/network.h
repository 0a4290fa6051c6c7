// The common face of generators and discriminators, so the trainer can hold
// any model pair. Models follow LibTorch's module pattern: layers are
// registered submodules, and parameters are initialised from an explicit
// random stream (see init.h), never from LibTorch's global generator.
#pragma once

#include <memory>

#include <torch/torch.h>

namespace gansweep {

class Network : public torch::nn::Module {
 public:
  // Generator: noise (B, z_dim) -> sample (B, 2) or (B, 1, 28, 28).
  // Discriminator: sample -> logit (B, 1).
  virtual torch::Tensor forward(const torch::Tensor& input) = 0;
};

using NetworkPtr = std::shared_ptr<Network>;

}  // namespace gansweep
