// Shared pieces of the quality tests. They never read the 60000-image
// training file: a small folder in Fashion-MNIST's format is made once per
// test program from the real test split (its first 2000 examples as the
// "training" split, the next 500 as the test split), and a recipe that
// trains in a fraction of a second.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "../data/data_test_util.h"
#include "data/fashion_mnist.h"
#include "quality/classifier_recipe.h"

namespace gansweep::quality::test_util {

inline bool have_real_files() {
  return std::filesystem::exists(std::filesystem::path(data::kDefaultFashionMnistDir) /
                                 "t10k-images-idx3-ubyte.gz");
}

// The examples [begin, begin + count) of a set.
inline data::ImageSet slice(const data::ImageSet& set, std::int64_t begin, std::int64_t count) {
  return {set.images.narrow(0, begin, count).clone(), set.labels.narrow(0, begin, count).clone()};
}

inline data::ImageSet first(const data::ImageSet& set, std::int64_t count) {
  return slice(set, 0, count);
}

// Writes `set` as `prefix`-{images-idx3,labels-idx1}-ubyte (uncompressed).
inline void write_split(const std::filesystem::path& dir, const std::string& prefix,
                        const data::ImageSet& set) {
  const auto count = static_cast<std::uint32_t>(set.images.size(0));
  const torch::Tensor pixels = set.images.contiguous();
  const auto* p = pixels.data_ptr<std::uint8_t>();
  data::test_util::write_file(dir / (prefix + "-images-idx3-ubyte"),
                              data::test_util::idx_bytes({count, 28, 28}, {p, p + pixels.numel()}));
  std::vector<std::uint8_t> labels;
  for (std::uint32_t i = 0; i < count; ++i) {
    labels.push_back(static_cast<std::uint8_t>(set.labels[i].item<std::int64_t>()));
  }
  data::test_util::write_file(dir / (prefix + "-labels-idx1-ubyte"),
                              data::test_util::idx_bytes({count}, labels));
}

// The small folder, made on first use; removed when the program ends.
inline const std::filesystem::path& small_data_dir() {
  static const data::test_util::TempDir dir;
  static const bool written = [] {
    const data::ImageSet real =
        data::load_fashion_mnist(data::kDefaultFashionMnistDir, data::Split::kTest);
    write_split(dir.path(), "train", slice(real, 0, 2000));
    write_split(dir.path(), "t10k", slice(real, 2000, 500));
    return true;
  }();
  (void)written;
  return dir.path();
}

inline const data::ImageSet& small_split(data::Split split) {
  static const data::ImageSet train =
      data::load_fashion_mnist(small_data_dir(), data::Split::kTrain);
  static const data::ImageSet test = data::load_fashion_mnist(small_data_dir(), data::Split::kTest);
  return split == data::Split::kTrain ? train : test;
}

// 512 images, one epoch, 16 features: trains in well under a second.
inline ClassifierRecipe tiny_recipe() {
  ClassifierRecipe recipe;
  recipe.train_images = 512;
  recipe.epochs = 1;
  recipe.batch = 32;
  recipe.feature_width = 16;
  return recipe;
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_real_files()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gansweep-quality-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
};

}  // namespace gansweep::quality::test_util
