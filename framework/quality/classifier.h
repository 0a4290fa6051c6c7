// A small convolutional classifier of 28x28 Fashion-MNIST images, the
// measuring instrument of the image quality scores: its penultimate layer is
// the feature space of the Frechet distance, its predictions decide class
// coverage. Trained once, deterministically (see train_classifier), and then
// only used for inference.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "data/fashion_mnist.h"
#include "quality/classifier_recipe.h"

namespace gansweep::quality {

inline constexpr std::int64_t kClassCount = 10;

// conv 3x3 (1 -> 16) - ReLU - max pool 2 - conv 3x3 (16 -> 32) - ReLU - max
// pool 2 - linear (32*7*7 -> W) - ReLU [features] - linear (W -> 10).
class FashionClassifierImpl : public torch::nn::Module {
 public:
  explicit FashionClassifierImpl(std::int64_t feature_width);

  // (B, 1, 28, 28) in [-1, 1] -> (B, W): the penultimate layer, after ReLU.
  torch::Tensor features(const torch::Tensor& images);
  // (B, W) -> (B, 10) logits.
  torch::Tensor logits(const torch::Tensor& features);
  // (B, 1, 28, 28) -> (B, 10) logits.
  torch::Tensor forward(const torch::Tensor& images);

  std::int64_t feature_width() const { return feature_width_; }

 private:
  std::int64_t feature_width_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::Linear hidden_{nullptr};
  torch::nn::Linear output_{nullptr};
};
TORCH_MODULE(FashionClassifier);

// Runs LibTorch on one intra-op thread for its lifetime, then restores the
// previous count: float sums split over threads round differently, so
// whatever is computed meanwhile is the same on any machine's core count.
class SingleThreadScope {
 public:
  SingleThreadScope();
  ~SingleThreadScope();
  SingleThreadScope(const SingleThreadScope&) = delete;
  SingleThreadScope& operator=(const SingleThreadScope&) = delete;

 private:
  int previous_;
};

// Trains a classifier on `train` (uint8 images) by `recipe`: weights, the
// subset and the batch order come from explicit generators seeded by
// recipe.seed, and LibTorch runs on one intra-op thread meanwhile (the
// previous count is restored), so the weights do not depend on how many
// cores the machine has. The model is returned in evaluation mode.
FashionClassifier train_classifier(const data::ImageSet& train, const ClassifierRecipe& recipe);

// What the classifier makes of a batch of images, computed without a graph
// in batches of at most 500.
struct ClassifierOutputs {
  torch::Tensor features;       // (N, W) float64
  torch::Tensor probabilities;  // (N, 10) float64, softmax of the logits
};

// `images`: (N, 1, 28, 28) float in [-1, 1] on the CPU.
ClassifierOutputs classify(FashionClassifier& model, const torch::Tensor& images);

// Fraction of `set` (uint8 images) whose label is the top prediction.
double classifier_accuracy(FashionClassifier& model, const data::ImageSet& set);

}  // namespace gansweep::quality
