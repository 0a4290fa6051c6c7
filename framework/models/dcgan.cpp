#include "models/dcgan.h"

namespace gansweep {
namespace {

torch::nn::ConvTranspose2d up(std::int64_t in, std::int64_t out, std::int64_t kernel,
                              std::int64_t stride, std::int64_t padding, bool bias) {
  return torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, kernel)
                                        .stride(stride)
                                        .padding(padding)
                                        .bias(bias));
}

torch::nn::Conv2d down(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                       std::int64_t padding, bool bias) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

torch::nn::LeakyReLU leaky() {
  return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2));
}

}  // namespace

DcganGenerator::DcganGenerator(const DcganOptions& o) {
  const std::int64_t w = o.width;
  // Batch norm follows each convolution, so the convolutions need no bias.
  layers_ = register_module(
      "layers", torch::nn::Sequential(up(o.z_dim, 4 * w, 4, 1, 0, false),  // (B, 4w, 4, 4)
                                      torch::nn::BatchNorm2d(4 * w), torch::nn::ReLU(),
                                      up(4 * w, 2 * w, 3, 2, 1, false),  // (B, 2w, 7, 7)
                                      torch::nn::BatchNorm2d(2 * w), torch::nn::ReLU(),
                                      up(2 * w, w, 4, 2, 1, false),  // (B, w, 14, 14)
                                      torch::nn::BatchNorm2d(w), torch::nn::ReLU(),
                                      up(w, 1, 4, 2, 1, true),  // (B, 1, 28, 28)
                                      torch::nn::Tanh()));
}

torch::Tensor DcganGenerator::forward(const torch::Tensor& z) {
  return layers_->forward(z.view({z.size(0), z.size(1), 1, 1}));
}

DcganDiscriminator::DcganDiscriminator(const DcganOptions& o) {
  const std::int64_t w = o.width;
  torch::nn::Sequential layers;
  layers->push_back(down(1, w, 4, 2, 1, true));  // (B, w, 14, 14)
  layers->push_back(leaky());
  layers->push_back(down(w, 2 * w, 4, 2, 1, !o.batch_norm));  // (B, 2w, 7, 7)
  if (o.batch_norm) layers->push_back(torch::nn::BatchNorm2d(2 * w));
  layers->push_back(leaky());
  layers->push_back(down(2 * w, 4 * w, 3, 2, 1, !o.batch_norm));  // (B, 4w, 4, 4)
  if (o.batch_norm) layers->push_back(torch::nn::BatchNorm2d(4 * w));
  layers->push_back(leaky());
  layers->push_back(down(4 * w, 1, 4, 1, 0, true));  // (B, 1, 1, 1)
  layers_ = register_module("layers", layers);
}

torch::Tensor DcganDiscriminator::forward(const torch::Tensor& x) {
  return layers_->forward(x).flatten(1);  // (B, 1)
}

}  // namespace gansweep
