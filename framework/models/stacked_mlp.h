// R multilayer perceptrons of one shape evaluated as one model: each
// layer's weights are stacked along a leading run dimension and applied with
// a batched matrix product, so R small runs cost about as many operations as
// one. Run r sees only its own slice: inputs (R, B, ...) -> outputs (R, B, ...),
// and no run's values ever reach another's.
//
// All R runs' parameters live in one buffer of shape (R, T), T being one
// run's parameter count, and their gradients in another; every named
// parameter is a view of its columns. The optimiser then updates the whole
// network with a handful of operations on (R, T), and a run's parameters are
// one row of the buffer.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/network.h"

namespace gansweep {

enum class StackedActivation { kNone, kRelu, kLeakyRelu, kTanh };

struct StackedMlpShape {
  StackedActivation hidden = StackedActivation::kRelu;  // after each hidden layer
  StackedActivation output = StackedActivation::kNone;  // after the last layer
  // Per-sample output shape, e.g. {1, 28, 28} for images; empty: flat.
  std::vector<std::int64_t> output_shape;
  // A gradient penalty differentiates the critic's input gradient again:
  // LibTorch's own batched product supports that; batched_linear's direct
  // BLAS backward does not.
  bool twice_differentiable = false;
};

class StackedMlp {
 public:
  // Stacks `runs`, modules of one MLP architecture whose parameters are,
  // in order, (weight, bias) of each Linear layer (MlpGenerator,
  // MlpDiscriminator): run r's values become row r. Throws
  // std::invalid_argument when the modules' parameters differ in names or
  // shapes, or are not such pairs.
  StackedMlp(const std::vector<NetworkPtr>& runs, StackedMlpShape shape,
             const torch::Device& device);

  // (R, B, ...) -> (R, B, out...). Inputs are flattened per sample.
  torch::Tensor forward(const torch::Tensor& input) const;

  std::int64_t runs() const { return parameters_.size(0); }
  // (R, T): all parameters of run r are row r (weights transposed). Update in place under
  // torch::NoGradGuard only.
  const torch::Tensor& parameters() const { return parameters_; }
  // (R, T): the gradient buffer every parameter accumulates into.
  const torch::Tensor& gradients() const { return gradients_; }
  // The per-run parameter names (as the single-run module names them) with
  // their stacked views: (R, in, out) for weights (transposed: see the
  // constructor), (R, out) for biases.
  const std::vector<std::pair<std::string, torch::Tensor>>& named_parameters() const {
    return named_;
  }
  void set_requires_grad(bool requires_grad);
  // Copies run r's parameters into `module`, a module like the ones stacked.
  void copy_run_into(std::int64_t run, torch::nn::Module& module) const;
  // Overwrites run r's parameters with `module`'s.
  void copy_run_from(std::int64_t run, const torch::nn::Module& module);

 private:
  StackedMlpShape shape_;
  torch::Tensor parameters_;
  torch::Tensor gradients_;
  std::vector<std::pair<std::string, torch::Tensor>> named_;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> layers_;  // (weight, bias) views
};

}  // namespace gansweep
