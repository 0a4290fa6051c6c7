#include "quality/classifier.h"

#include <algorithm>
#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

#include "util/seed_tree.h"

namespace gansweep::quality {
namespace {

constexpr std::int64_t kInferenceBatch = 500;

at::Generator stream(std::uint64_t seed, std::string_view name) {
  return at::detail::createCPUGenerator(derive_seed(seed, name));
}

// LibTorch's default bounds, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from
// an explicit generator instead of the global one.
void initialize(torch::nn::Module& module, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  // Layers in registration order, weight then bias, so the draws are fixed.
  // A bias takes its layer's fan-in, as in LibTorch.
  for (const auto& child : module.modules(/*include_self=*/false)) {
    torch::Tensor weight;
    torch::Tensor bias;
    if (auto* conv = child->as<torch::nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else if (auto* linear = child->as<torch::nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else {
      continue;
    }
    const double fan_in = static_cast<double>(weight[0].numel());
    const double bound = 1.0 / std::sqrt(fan_in);
    weight.uniform_(-bound, bound, generator);
    if (bias.defined()) bias.uniform_(-bound, bound, generator);
  }
}

}  // namespace

SingleThreadScope::SingleThreadScope() : previous_(torch::get_num_threads()) {
  torch::set_num_threads(1);
}

SingleThreadScope::~SingleThreadScope() { torch::set_num_threads(previous_); }

FashionClassifierImpl::FashionClassifierImpl(std::int64_t feature_width)
    : feature_width_(feature_width) {
  TORCH_CHECK(feature_width >= 1, "classifier feature width must be positive, got ", feature_width);
  conv1_ =
      register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)));
  conv2_ =
      register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)));
  hidden_ = register_module("hidden", torch::nn::Linear(32 * 7 * 7, feature_width));
  output_ = register_module("output", torch::nn::Linear(feature_width, kClassCount));
}

torch::Tensor FashionClassifierImpl::features(const torch::Tensor& images) {
  torch::Tensor x = torch::max_pool2d(torch::relu(conv1_->forward(images)), 2);  // (B, 16, 14, 14)
  x = torch::max_pool2d(torch::relu(conv2_->forward(x)), 2);                     // (B, 32, 7, 7)
  return torch::relu(hidden_->forward(x.flatten(1)));
}

torch::Tensor FashionClassifierImpl::logits(const torch::Tensor& features) {
  return output_->forward(features);
}

torch::Tensor FashionClassifierImpl::forward(const torch::Tensor& images) {
  return logits(features(images));
}

FashionClassifier train_classifier(const data::ImageSet& train, const ClassifierRecipe& recipe) {
  TORCH_CHECK(recipe.epochs >= 1 && recipe.batch >= 1 && recipe.lr > 0,
              "classifier recipe needs epochs >= 1, batch >= 1 and lr > 0");
  const std::int64_t available = train.images.size(0);
  TORCH_CHECK(available >= 1, "cannot train the classifier on an empty image set");
  SingleThreadScope one_thread;

  at::Generator init_stream = stream(recipe.seed, "classifier_init");
  at::Generator subset_stream = stream(recipe.seed, "classifier_subset");
  at::Generator order_stream = stream(recipe.seed, "classifier_order");

  FashionClassifier model(recipe.feature_width);
  initialize(*model, init_stream);
  model->train();

  // A fixed shuffle of the whole set, cut to the recipe's size, so the
  // subset holds every class in about its share.
  const std::int64_t count =
      recipe.train_images <= 0 ? available : std::min(recipe.train_images, available);
  const torch::Tensor subset =
      torch::randperm(available, subset_stream, torch::kLong).narrow(0, 0, count);
  const torch::Tensor images = train.images.index_select(0, subset);  // (n, 1, 28, 28) uint8
  const torch::Tensor labels = train.labels.index_select(0, subset);  // (n)

  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(recipe.lr));
  for (std::int64_t epoch = 0; epoch < recipe.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(count, order_stream, torch::kLong);
    for (std::int64_t start = 0; start < count; start += recipe.batch) {
      const torch::Tensor index = order.narrow(0, start, std::min(recipe.batch, count - start));
      const torch::Tensor x = data::to_unit_range(images.index_select(0, index));
      const torch::Tensor y = labels.index_select(0, index);
      optimizer.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      optimizer.step();
    }
  }
  model->eval();
  return model;
}

ClassifierOutputs classify(FashionClassifier& model, const torch::Tensor& images) {
  TORCH_CHECK(
      images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
      "classify expects images of shape (N, 1, 28, 28), got ", images.sizes());
  torch::NoGradGuard no_grad;
  model->eval();
  std::vector<torch::Tensor> features;
  std::vector<torch::Tensor> probabilities;
  const torch::Tensor input = images.to(torch::kCPU, torch::kFloat);
  for (std::int64_t start = 0; start < input.size(0); start += kInferenceBatch) {
    const torch::Tensor batch =
        input.narrow(0, start, std::min(kInferenceBatch, input.size(0) - start));
    const torch::Tensor f = model->features(batch);
    features.push_back(f.to(torch::kDouble));
    probabilities.push_back(torch::softmax(model->logits(f).to(torch::kDouble), 1));
  }
  if (features.empty()) {
    return {torch::empty({0, model->feature_width()}, torch::kDouble),
            torch::empty({0, kClassCount}, torch::kDouble)};
  }
  return {torch::cat(features), torch::cat(probabilities)};
}

double classifier_accuracy(FashionClassifier& model, const data::ImageSet& set) {
  const std::int64_t count = set.images.size(0);
  if (count == 0) return 0.0;
  std::int64_t correct = 0;
  for (std::int64_t start = 0; start < count; start += kInferenceBatch) {
    const std::int64_t n = std::min(kInferenceBatch, count - start);
    const ClassifierOutputs out =
        classify(model, data::to_unit_range(set.images.narrow(0, start, n)));
    correct +=
        out.probabilities.argmax(1).eq(set.labels.narrow(0, start, n)).sum().item<std::int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(count);
}

}  // namespace gansweep::quality
