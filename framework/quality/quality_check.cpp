#include "quality/quality_check.h"

#include <chrono>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "data/fashion_mnist.h"
#include "quality/image_quality.h"
#include "util/seed_tree.h"

namespace gansweep::quality {
namespace {

using Clock = std::chrono::steady_clock;

QualityCheckCase score_case(const ImageQuality& quality, std::string name,
                            const torch::Tensor& images) {
  const auto started = Clock::now();
  const ImageScores scores = quality.score(images);
  QualityCheckCase result;
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.name = std::move(name);
  result.images = images.size(0);
  result.frechet_distance = scores.frechet_distance.value_or(NAN);
  result.classes_covered = scores.classes_covered.value_or(NAN);
  result.class_kl = scores.class_kl.value_or(NAN);
  return result;
}

}  // namespace

QualityCheckReport check_image_quality(const QualityCheckOptions& options,
                                       const std::function<void(const std::string&)>& on_training) {
  torch::set_num_threads(options.threads);
  const data::ImageSet train = data::load_fashion_mnist(options.data_dir, data::Split::kTrain);
  const data::ImageSet test = data::load_fashion_mnist(options.data_dir, data::Split::kTest);
  const auto quality =
      shared_image_quality(options.data_dir, train, options.cache_dir, options.recipe, on_training);

  QualityCheckReport report;
  report.recipe = recipe_text(options.recipe);
  report.classifier_path = quality->classifier().path;
  report.classifier_from_cache = quality->classifier().loaded_from_cache;
  report.classifier_train_seconds = quality->classifier().train_seconds;
  FashionClassifier model = quality->classifier().model;
  report.test_accuracy = classifier_accuracy(model, test);
  report.reference_path = quality->reference().path;
  report.reference_from_cache = quality->reference().loaded_from_cache;
  report.reference_seconds = quality->reference().seconds;

  at::Generator random = at::detail::createCPUGenerator(derive_seed(options.seed, "check"));
  const std::int64_t n = std::min<std::int64_t>(options.samples, test.images.size(0));
  const torch::Tensor test_images = data::to_unit_range(test.images);  // (10000, 1, 28, 28)
  const torch::Tensor some_test =
      test_images.index_select(0, torch::randperm(test_images.size(0), random).narrow(0, 0, n));
  const torch::Tensor some_train = data::to_unit_range(
      train.images.index_select(0, torch::randperm(train.images.size(0), random).narrow(0, 0, n)));
  const torch::Tensor uniform = torch::rand({n, 1, 28, 28}, random) * 2 - 1;
  const torch::Tensor gaussian = torch::randn({n, 1, 28, 28}, random).clamp(-1, 1);
  const torch::Tensor one_class =
      test_images.index_select(0, test.labels.eq(0).nonzero().flatten()).narrow(0, 0, n);
  const torch::Tensor blank = torch::full({n, 1, 28, 28}, -1.0);
  // A generator that learned the garments' shapes but not their textures:
  // every test image blurred by a 5x5 box filter.
  const torch::Tensor blurred =
      torch::avg_pool2d(some_test, 5, 1, 2, /*ceil_mode=*/false, /*count_include_pad=*/false);

  report.cases.push_back(
      score_case(*quality, fmt::format("test split, all {}", test_images.size(0)), test_images));
  report.cases.push_back(score_case(*quality, "test split, random", some_test));
  report.cases.push_back(score_case(*quality, "training split, random", some_train));
  report.cases.push_back(score_case(*quality, "test split blurred (5x5 box)", blurred));
  report.cases.push_back(score_case(*quality, "test split, class 0 (T-shirt/top) only", one_class));
  report.cases.push_back(score_case(*quality, "uniform noise in [-1, 1]", uniform));
  report.cases.push_back(
      score_case(*quality, "Gaussian noise N(0, 1) clipped to [-1, 1]", gaussian));
  report.cases.push_back(score_case(*quality, "blank images (all -1)", blank));
  return report;
}

}  // namespace gansweep::quality
