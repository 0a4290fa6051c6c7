// DCGAN for 28x28 images (after the LibTorch example, with width as a
// setting and logits instead of its Sigmoid): G upsamples noise through
// 4w, 2w and w channels with batch norm; D mirrors it with LeakyReLU(0.2).
#pragma once

#include <cstdint>

#include "models/network.h"

namespace gansweep {

struct DcganOptions {
  std::int64_t z_dim = 64;
  std::int64_t width = 64;  // w; 64 gives the example's 256/128/64 channels
  bool batch_norm = true;   // in D; off for a WGAN-GP critic
};

class DcganGenerator : public Network {
 public:
  explicit DcganGenerator(const DcganOptions& options);
  // (B, z_dim) -> (B, 1, 28, 28) in [-1, 1].
  torch::Tensor forward(const torch::Tensor& z) override;

 private:
  torch::nn::Sequential layers_{nullptr};
};

class DcganDiscriminator : public Network {
 public:
  explicit DcganDiscriminator(const DcganOptions& options);
  // (B, 1, 28, 28) -> (B, 1) logits.
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential layers_{nullptr};
};

}  // namespace gansweep
