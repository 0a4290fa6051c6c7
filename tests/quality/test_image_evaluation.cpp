// Scoring images: the training-set statistics cache, scores of the
// reference's own images and of noise, non-finite samples, and one shared
// instance per process.
#include "quality/image_quality.h"

#include <gtest/gtest.h>

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

#include "quality_test_util.h"

namespace gansweep::quality {
namespace {

using test_util::first;
using test_util::small_data_dir;
using test_util::small_split;
using test_util::tiny_recipe;

using ImageQualityTest = test_util::TempDirTest;

TEST_F(ImageQualityTest, ReferenceStatisticsAreCachedBesideTheClassifier) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 800);
  const CachedClassifier classifier =
      load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
  const ReferenceStatistics computed = load_or_compute_reference(classifier, train, dir_);
  EXPECT_FALSE(computed.loaded_from_cache);
  EXPECT_EQ(computed.path, reference_path(dir_, classifier.key));
  EXPECT_EQ(computed.path.parent_path(), classifier.path.parent_path());
  EXPECT_TRUE(std::filesystem::exists(computed.path));
  EXPECT_EQ(computed.train.count, 800);
  EXPECT_EQ(computed.train.mean.sizes(), (std::vector<std::int64_t>{16}));
  EXPECT_EQ(computed.train.covariance.sizes(), (std::vector<std::int64_t>{16, 16}));

  const ReferenceStatistics loaded = load_or_compute_reference(classifier, train, dir_);
  EXPECT_TRUE(loaded.loaded_from_cache);
  EXPECT_EQ(loaded.train.count, 800);
  EXPECT_TRUE(torch::equal(loaded.train.mean, computed.train.mean));
  EXPECT_TRUE(torch::equal(loaded.train.covariance, computed.train.covariance));

  // Another classifier gets statistics of its own.
  EXPECT_NE(reference_path(dir_, classifier.key), reference_path(dir_, "0123456789abcdef"));
}

TEST_F(ImageQualityTest, ItsOwnImagesScoreZeroAndNoiseScoresFar) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 1000);
  CachedClassifier classifier =
      load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
  ReferenceStatistics reference = load_or_compute_reference(classifier, train, dir_);
  const ImageQuality quality(classifier, reference);

  const ImageScores own = quality.score(data::to_unit_range(train.images));
  ASSERT_TRUE(own.frechet_distance.has_value());
  EXPECT_NEAR(*own.frechet_distance, 0.0, 1e-6);

  // Even this barely trained classifier tells held-out images from noise.
  const ImageScores held_out =
      quality.score(data::to_unit_range(small_split(data::Split::kTest).images));
  at::Generator random = at::detail::createCPUGenerator(5);
  const ImageScores noise = quality.score(torch::rand({500, 1, 28, 28}, random) * 2 - 1);
  ASSERT_TRUE(held_out.frechet_distance && noise.frechet_distance);
  EXPECT_GT(*held_out.frechet_distance, 0.0);
  EXPECT_LT(*held_out.frechet_distance * 5, *noise.frechet_distance);
  EXPECT_LT(*held_out.class_kl, *noise.class_kl);
}

TEST_F(ImageQualityTest, NonFiniteSamplesGetNoScores) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 500);
  CachedClassifier classifier =
      load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
  const ImageQuality quality(classifier, load_or_compute_reference(classifier, train, dir_));
  torch::Tensor images = torch::zeros({10, 1, 28, 28});
  images[3][0][4][4] = NAN;
  const ImageScores scores = quality.score(images);
  EXPECT_FALSE(scores.frechet_distance.has_value());
  EXPECT_FALSE(scores.classes_covered.has_value());
  EXPECT_FALSE(scores.class_kl.has_value());
}

TEST_F(ImageQualityTest, OneInstancePerProcessAndTrainingAnnouncedOnce) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 500);
  int announced = 0;
  const auto count = [&](const std::string&) { ++announced; };
  const auto a = shared_image_quality(small_data_dir(), train, dir_, tiny_recipe(), count);
  const auto b = shared_image_quality(small_data_dir(), train, dir_, tiny_recipe(), count);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(announced, 1);
  EXPECT_FALSE(a->classifier().loaded_from_cache);
}

}  // namespace
}  // namespace gansweep::quality
