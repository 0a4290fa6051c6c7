// Fully connected generator and discriminator, for the toy mixtures and for
// flattened 28x28 images.
#pragma once

#include <cstdint>
#include <vector>

#include "models/network.h"

namespace gansweep {

struct MlpOptions {
  std::int64_t in_features = 0;
  std::int64_t hidden = 128;
  std::int64_t depth = 2;  // hidden layers
  std::int64_t out_features = 0;
};

// z (B, z_dim) -> hidden ReLU layers -> (B, out). With image_output, a tanh
// maps to [-1, 1] and the result is shaped (B, 1, 28, 28).
class MlpGenerator : public Network {
 public:
  MlpGenerator(const MlpOptions& options, bool image_output);
  torch::Tensor forward(const torch::Tensor& z) override;

 private:
  torch::nn::Sequential layers_{nullptr};
  bool image_output_;
};

// x (B, ...) flattened -> hidden layers -> logit (B, 1). Toy data uses ReLU
// (as in the mixture-of-Gaussians literature), images LeakyReLU(0.2).
class MlpDiscriminator : public Network {
 public:
  MlpDiscriminator(const MlpOptions& options, bool leaky);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential layers_{nullptr};
};

}  // namespace gansweep
