#include "models/stacked_mlp.h"

#include <stdexcept>

#include <fmt/format.h>

#include "models/batched_linear.h"

namespace gansweep {
namespace {

torch::Tensor activate(const torch::Tensor& x, StackedActivation activation) {
  switch (activation) {
    case StackedActivation::kNone:
      return x;
    case StackedActivation::kRelu:
      return torch::relu(x);
    case StackedActivation::kLeakyRelu:
      return torch::leaky_relu(x, 0.2);
    case StackedActivation::kTanh:
      return torch::tanh(x);
  }
  return x;
}

// (out, in) -> (in, out) for Linear weights; biases as they are.
torch::Tensor stored_layout(const torch::Tensor& value) {
  return value.dim() == 2 ? value.t().contiguous() : value;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

StackedMlp::StackedMlp(const std::vector<NetworkPtr>& runs, StackedMlpShape shape,
                       const torch::Device& device)
    : shape_(std::move(shape)) {
  if (runs.empty()) throw std::invalid_argument("StackedMlp: no runs to stack");
  const auto first = runs.front()->named_parameters();
  std::int64_t total = 0;
  for (const auto& item : first) total += item.value().numel();
  const auto runs_count = static_cast<std::int64_t>(runs.size());

  torch::NoGradGuard no_grad;
  torch::Tensor host = torch::empty({runs_count, total}, torch::kFloat);
  for (std::int64_t r = 0; r < runs_count; ++r) {
    const auto named = runs[r]->named_parameters();
    if (named.size() != first.size()) {
      throw std::invalid_argument("StackedMlp: the runs' modules differ in their parameters");
    }
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < named.size(); ++i) {
      const torch::Tensor& value = named[i].value();
      if (named[i].key() != first[i].key() || value.sizes() != first[i].value().sizes()) {
        throw std::invalid_argument(fmt::format(
            "StackedMlp: parameter {} of run {} differs from the first run's", named[i].key(), r));
      }
      // Weights are stored transposed, (in, out), so that the forward
      // product needs no transpose and its gradient comes out of the
      // batched product already in the buffer's layout (a transposed
      // gradient would be added into the buffer element by element).
      host[r].narrow(0, offset, value.numel()).copy_(stored_layout(value.detach()).flatten());
      offset += value.numel();
    }
  }
  parameters_ = host.to(device);
  gradients_ = torch::zeros_like(parameters_);

  std::int64_t offset = 0;
  for (const auto& item : first) {
    std::vector<std::int64_t> sizes = {runs_count};
    for (const auto size : stored_layout(item.value()).sizes()) sizes.push_back(size);
    const std::int64_t n = item.value().numel();
    torch::Tensor view = parameters_.narrow(1, offset, n).view(sizes);
    view.requires_grad_(true);
    // Gradients accumulate in place into their own columns of gradients_.
    view.mutable_grad() = gradients_.narrow(1, offset, n).view(sizes);
    named_.emplace_back(item.key(), view);
    offset += n;
  }
  for (std::size_t i = 0; i < named_.size(); i += 2) {
    if (i + 1 >= named_.size() || !ends_with(named_[i].first, "weight") ||
        !ends_with(named_[i + 1].first, "bias") || named_[i].second.dim() != 3 ||
        named_[i + 1].second.dim() != 2) {
      throw std::invalid_argument(
          "StackedMlp: expected (weight, bias) pairs of Linear layers, got " + named_[i].first);
    }
    layers_.emplace_back(named_[i].second, named_[i + 1].second);
  }
}

torch::Tensor StackedMlp::forward(const torch::Tensor& input) const {
  torch::Tensor h = input.flatten(2);  // (R, B, features)
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto& [weight, bias] = layers_[i];  // (R, in, out), (R, out)
    h = shape_.twice_differentiable ? torch::baddbmm(bias.unsqueeze(1), h, weight)
                                    : batched_linear(h, weight, bias);
    h = activate(h, i + 1 < layers_.size() ? shape_.hidden : shape_.output);
  }
  if (shape_.output_shape.empty()) return h;
  std::vector<std::int64_t> sizes = {h.size(0), h.size(1)};
  sizes.insert(sizes.end(), shape_.output_shape.begin(), shape_.output_shape.end());
  return h.view(sizes);
}

void StackedMlp::set_requires_grad(bool requires_grad) {
  for (auto& item : named_) item.second.set_requires_grad(requires_grad);
}

void StackedMlp::copy_run_into(std::int64_t run, torch::nn::Module& module) const {
  torch::NoGradGuard no_grad;
  auto params = module.named_parameters();
  for (const auto& [name, view] : named_) {
    params[name].copy_(view.dim() == 3 ? view[run].t() : view[run]);
  }
}

void StackedMlp::copy_run_from(std::int64_t run, const torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  const auto params = module.named_parameters();
  for (auto& [name, view] : named_) {
    view[run].copy_(stored_layout(params[name]));
  }
}

}  // namespace gansweep
