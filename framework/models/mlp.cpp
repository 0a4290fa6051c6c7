#include "models/mlp.h"

namespace gansweep {

MlpGenerator::MlpGenerator(const MlpOptions& options, bool image_output)
    : image_output_(image_output) {
  torch::nn::Sequential layers;
  std::int64_t width = options.in_features;
  for (std::int64_t i = 0; i < options.depth; ++i) {
    layers->push_back(torch::nn::Linear(width, options.hidden));
    layers->push_back(torch::nn::ReLU());
    width = options.hidden;
  }
  layers->push_back(torch::nn::Linear(width, options.out_features));
  if (image_output_) layers->push_back(torch::nn::Tanh());
  layers_ = register_module("layers", layers);
}

torch::Tensor MlpGenerator::forward(const torch::Tensor& z) {
  auto out = layers_->forward(z);  // (B, out)
  if (image_output_) out = out.view({-1, 1, 28, 28});
  return out;
}

MlpDiscriminator::MlpDiscriminator(const MlpOptions& options, bool leaky) {
  torch::nn::Sequential layers;
  std::int64_t width = options.in_features;
  for (std::int64_t i = 0; i < options.depth; ++i) {
    layers->push_back(torch::nn::Linear(width, options.hidden));
    if (leaky) {
      layers->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)));
    } else {
      layers->push_back(torch::nn::ReLU());
    }
    width = options.hidden;
  }
  layers->push_back(torch::nn::Linear(width, 1));
  layers_ = register_module("layers", layers);
}

torch::Tensor MlpDiscriminator::forward(const torch::Tensor& x) {
  return layers_->forward(x.flatten(1));  // (B, 1)
}

}  // namespace gansweep
