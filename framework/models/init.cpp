#include "models/init.h"

#include <cmath>

namespace gansweep {

void initialize_parameters(torch::nn::Module& module, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  // Modules come in registration order, so the draws are in a fixed order.
  for (const auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = child->as<torch::nn::Linear>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(linear->weight.size(1)));
      linear->weight.uniform_(-bound, bound, generator);
      if (linear->bias.defined()) linear->bias.uniform_(-bound, bound, generator);
    } else if (auto* conv = child->as<torch::nn::Conv2d>()) {
      conv->weight.normal_(0.0, 0.02, generator);
      if (conv->bias.defined()) conv->bias.zero_();
    } else if (auto* deconv = child->as<torch::nn::ConvTranspose2d>()) {
      deconv->weight.normal_(0.0, 0.02, generator);
      if (deconv->bias.defined()) deconv->bias.zero_();
    } else if (auto* norm = child->as<torch::nn::BatchNorm2d>()) {
      norm->weight.normal_(1.0, 0.02, generator);
      norm->bias.zero_();
    }
  }
}

}  // namespace gansweep
