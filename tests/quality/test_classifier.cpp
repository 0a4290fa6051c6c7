// The classifier on small subsets (the full recipe is never trained in a
// test): deterministic whatever the thread count, shapes as documented, a
// cache file named by content and recipe, written once and reused.
#include "quality/classifier.h"

#include <gtest/gtest.h>

#include <fstream>

#include "quality/classifier_cache.h"
#include "quality_test_util.h"

namespace gansweep::quality {
namespace {

using test_util::first;
using test_util::small_data_dir;
using test_util::small_split;
using test_util::tiny_recipe;

bool same_weights(FashionClassifier a, FashionClassifier b) {
  const auto pa = a->named_parameters();
  const auto pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& item : pa) {
    if (!torch::equal(item.value(), pb[item.key()])) return false;
  }
  return true;
}

using ClassifierTest = test_util::TempDirTest;

TEST_F(ClassifierTest, TrainingIsBitIdenticalWhateverTheThreadCount) {
  const data::ImageSet& train = small_split(data::Split::kTrain);
  const int before = torch::get_num_threads();
  torch::set_num_threads(2);
  const FashionClassifier a = train_classifier(train, tiny_recipe());
  EXPECT_EQ(torch::get_num_threads(), 2);  // restored after training on one
  torch::set_num_threads(1);
  const FashionClassifier b = train_classifier(train, tiny_recipe());
  torch::set_num_threads(before);
  EXPECT_TRUE(same_weights(a, b));

  ClassifierRecipe other_seed = tiny_recipe();
  other_seed.seed += 1;
  EXPECT_FALSE(same_weights(a, train_classifier(train, other_seed)));
}

TEST_F(ClassifierTest, OutputsHaveTheDocumentedShapesAndProbabilitiesSumToOne) {
  FashionClassifier model =
      train_classifier(first(small_split(data::Split::kTrain), 600), tiny_recipe());
  const torch::Tensor images =
      data::to_unit_range(small_split(data::Split::kTrain).images.narrow(0, 0, 700));
  const ClassifierOutputs out = classify(model, images);  // two inference batches
  EXPECT_EQ(out.features.sizes(), (std::vector<std::int64_t>{700, 16}));
  EXPECT_EQ(out.probabilities.sizes(), (std::vector<std::int64_t>{700, 10}));
  EXPECT_EQ(out.features.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::allclose(out.probabilities.sum(1), torch::ones({700}, torch::kDouble)));
  EXPECT_GE(out.features.min().item<double>(), 0.0);  // after ReLU
  EXPECT_THROW(classify(model, torch::zeros({3, 28, 28})), c10::Error);
}

TEST_F(ClassifierTest, ASmallRecipeAlreadyLearns) {
  // 2000 images, 2 epochs: far from the full recipe, far above chance (0.1).
  ClassifierRecipe recipe = tiny_recipe();
  recipe.train_images = 2000;
  recipe.epochs = 2;
  FashionClassifier model = train_classifier(small_split(data::Split::kTrain), recipe);
  EXPECT_GT(classifier_accuracy(model, small_split(data::Split::kTest)), 0.6);
}

TEST_F(ClassifierTest, CacheFileIsNamedByContentWrittenOnceAndReused) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 1000);
  const CachedClassifier trained =
      load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
  EXPECT_FALSE(trained.loaded_from_cache);
  EXPECT_EQ(trained.key.size(), 16u);
  EXPECT_EQ(trained.path, dir_ / ("fashion-classifier-" + trained.key + ".pt"));
  EXPECT_TRUE(std::filesystem::exists(trained.path));
  EXPECT_GT(trained.test_accuracy, 0.1);
  // Only the file itself: the temporary was renamed into place.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);

  const CachedClassifier loaded =
      load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
  EXPECT_TRUE(loaded.loaded_from_cache);
  EXPECT_EQ(loaded.key, trained.key);
  EXPECT_EQ(loaded.test_accuracy, trained.test_accuracy);
  EXPECT_EQ(loaded.train_seconds, trained.train_seconds);
  EXPECT_TRUE(same_weights(loaded.model, trained.model));
}

TEST_F(ClassifierTest, AnyChangeOfRecipeOrDataChangesTheKey) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 1000);
  const std::string key = classifier_key(train, tiny_recipe());
  EXPECT_EQ(classifier_key(first(small_split(data::Split::kTrain), 1000), tiny_recipe()), key);

  ClassifierRecipe recipe = tiny_recipe();
  recipe.lr = 1.0000001e-3;
  EXPECT_NE(classifier_key(train, recipe), key);
  recipe = tiny_recipe();
  recipe.feature_width = 17;
  EXPECT_NE(classifier_key(train, recipe), key);

  data::ImageSet pixel = first(small_split(data::Split::kTrain), 1000);
  pixel.images[999][0][27][27] += 1;
  EXPECT_NE(classifier_key(pixel, tiny_recipe()), key);
  data::ImageSet label = first(small_split(data::Split::kTrain), 1000);
  label.labels[0] = (label.labels[0].item<std::int64_t>() + 1) % 10;
  EXPECT_NE(classifier_key(label, tiny_recipe()), key);
  EXPECT_NE(classifier_key(first(small_split(data::Split::kTrain), 999), tiny_recipe()), key);
}

TEST_F(ClassifierTest, UnreadableCacheFileIsReportedWithItsPath) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 500);
  const auto path = classifier_path(dir_, classifier_key(train, tiny_recipe()));
  std::ofstream(path) << "not a LibTorch archive";
  try {
    load_or_train_classifier(small_data_dir(), train, dir_, tiny_recipe());
    FAIL() << "expected a QualityError";
  } catch (const QualityError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path.string() + ": cannot read the cached classifier (", 0), 0u)
        << message;
    EXPECT_NE(message.find("delete it to train it again"), std::string::npos) << message;
  }
}

TEST_F(ClassifierTest, UnwritableCacheFolderIsReportedWithThePath) {
  const data::ImageSet train = first(small_split(data::Split::kTrain), 500);
  const auto blocker = dir_ / "file";
  std::ofstream(blocker) << "a file where the cache folder should be";
  try {
    load_or_train_classifier(small_data_dir(), train, blocker / "classifiers", tiny_recipe());
    FAIL() << "expected a QualityError";
  } catch (const QualityError& e) {
    const std::string prefix = (blocker / "classifiers" / "fashion-classifier-").string();
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(": cannot write: "), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gansweep::quality
