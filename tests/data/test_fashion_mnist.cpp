// Tests of the Fashion-MNIST loader: on Debian's real files (sizes, class
// balance, first labels and pixels as decoded independently with Python's
// gzip module) and on small fake folders for every way a pair can disagree.
#include "data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <string>

#include "data/idx_file.h"
#include "data_test_util.h"

namespace gansweep::data {
namespace {

using test_util::idx_bytes;
using test_util::TempDir;
using test_util::write_file;

constexpr std::uint32_t kSide = 28;
constexpr std::uint32_t kPixels = kSide * kSide;

bool have_real_files() {
  return std::filesystem::exists(std::filesystem::path(kDefaultFashionMnistDir) /
                                 "train-images-idx3-ubyte.gz");
}

// The message of the DataError that loading throws ("" if none).
std::string load_error(const std::filesystem::path& dir, Split split) {
  try {
    load_fashion_mnist(dir, split);
  } catch (const DataError& error) {
    return error.what();
  }
  return "";
}

struct RealSplitFacts {
  Split split;
  std::int64_t count;
  std::vector<std::int64_t> first_labels;
  std::int64_t first_image_pixel_sum;
};

class RealFashionMnistTest : public ::testing::TestWithParam<RealSplitFacts> {
 protected:
  void SetUp() override {
    if (!have_real_files()) {
      GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed in "
                   << kDefaultFashionMnistDir << " (tools/setup installs it)";
    }
  }
};

TEST_P(RealFashionMnistTest, MatchesKnownFacts) {
  const RealSplitFacts& facts = GetParam();
  const ImageSet set = load_fashion_mnist(kDefaultFashionMnistDir, facts.split);

  ASSERT_EQ(set.images.sizes(), (std::vector<std::int64_t>{facts.count, 1, 28, 28}));
  EXPECT_EQ(set.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(set.labels.sizes(), (std::vector<std::int64_t>{facts.count}));
  EXPECT_EQ(set.labels.scalar_type(), torch::kLong);

  // Both splits are balanced: count / 10 examples of every class.
  const torch::Tensor per_class = torch::bincount(set.labels, {}, 10);
  EXPECT_TRUE(torch::equal(per_class, torch::full({10}, facts.count / 10, torch::kLong)))
      << per_class;

  const torch::Tensor first = set.labels.narrow(0, 0, 10);
  EXPECT_TRUE(torch::equal(first, torch::tensor(facts.first_labels, torch::kLong))) << first;
  EXPECT_EQ(set.images[0].sum().item<std::int64_t>(), facts.first_image_pixel_sum);

  const torch::Tensor unit = to_unit_range(set.images);
  EXPECT_EQ(unit.scalar_type(), torch::kFloat32);
  EXPECT_EQ(unit.min().item<float>(), -1.0f);
  EXPECT_EQ(unit.max().item<float>(), 1.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Debian, RealFashionMnistTest,
    ::testing::Values(RealSplitFacts{Split::kTrain, 60000, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, 76247},
                      RealSplitFacts{Split::kTest, 10000, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, 33456}),
    [](const auto& info) { return info.param.split == Split::kTrain ? "Train" : "Test"; });

TEST(ToUnitRange, IsAffineOntoMinusOneOne) {
  const torch::Tensor pixels = torch::tensor({0, 1, 127, 128, 254, 255}, torch::kUInt8);
  const torch::Tensor unit = to_unit_range(pixels);
  ASSERT_EQ(unit.scalar_type(), torch::kFloat32);
  const std::vector<double> expected = {
      -1.0, 1 / 127.5 - 1, 127 / 127.5 - 1, 128 / 127.5 - 1, 254 / 127.5 - 1, 1.0};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(unit[i].item<float>(), expected[i], 1e-6) << "pixel index " << i;
  }
  // The ends are exact, so a tanh generator can match them.
  EXPECT_EQ(unit[0].item<float>(), -1.0f);
  EXPECT_EQ(unit[5].item<float>(), 1.0f);
}

TEST(ToUnitRange, KeepsShape) {
  const torch::Tensor pixels = torch::zeros({2, 1, 28, 28}, torch::kUInt8);
  EXPECT_EQ(to_unit_range(pixels).sizes(), pixels.sizes());
}

TEST(ToUnitRange, RefusesFloatInput) {
  EXPECT_THROW(to_unit_range(torch::zeros({3}, torch::kFloat32)), c10::Error);
}

// A fake split in a temp dir: `count` images whose pixel (i, r, c) is
// (i + r + 3c) mod 256, and the given labels.
class FakeFashionMnistTest : public ::testing::Test {
 protected:
  static std::vector<std::uint8_t> image_data(std::uint32_t count, std::uint32_t side = kSide) {
    std::vector<std::uint8_t> data(count * side * side);
    for (std::uint32_t i = 0; i < count; ++i) {
      for (std::uint32_t r = 0; r < side; ++r) {
        for (std::uint32_t c = 0; c < side; ++c) {
          data[(i * side + r) * side + c] = static_cast<std::uint8_t>(i + r + 3 * c);
        }
      }
    }
    return data;
  }

  std::filesystem::path write_images(const std::string& prefix, std::uint32_t count,
                                     const std::string& extension = ".gz",
                                     std::uint32_t side = kSide) {
    const auto path = dir_.path() / (prefix + "-images-idx3-ubyte" + extension);
    write_file(path, idx_bytes({count, side, side}, image_data(count, side)));
    return path;
  }

  std::filesystem::path write_labels(const std::string& prefix,
                                     const std::vector<std::uint8_t>& labels,
                                     const std::string& extension = ".gz") {
    const auto path = dir_.path() / (prefix + "-labels-idx1-ubyte" + extension);
    write_file(path, idx_bytes({static_cast<std::uint32_t>(labels.size())}, labels));
    return path;
  }

  TempDir dir_;
};

TEST_F(FakeFashionMnistTest, LoadsImagesInRowMajorOrder) {
  write_images("train", 5);
  write_labels("train", {3, 0, 9, 9, 1});
  const ImageSet set = load_fashion_mnist(dir_.path(), Split::kTrain);
  ASSERT_EQ(set.images.sizes(), (std::vector<std::int64_t>{5, 1, 28, 28}));
  EXPECT_TRUE(torch::equal(set.labels, torch::tensor({3, 0, 9, 9, 1}, torch::kLong)));
  const auto pixels = set.images.accessor<std::uint8_t, 4>();
  for (int i = 0; i < 5; ++i) {
    for (int r = 0; r < 28; ++r) {
      for (int c = 0; c < 28; ++c) {
        ASSERT_EQ(pixels[i][0][r][c], static_cast<std::uint8_t>(i + r + 3 * c))
            << i << "," << r << "," << c;
      }
    }
  }
}

TEST_F(FakeFashionMnistTest, AcceptsUncompressedFiles) {
  write_images("t10k", 2, "");
  write_labels("t10k", {4, 5}, "");
  const ImageSet set = load_fashion_mnist(dir_.path(), Split::kTest);
  EXPECT_EQ(set.images.size(0), 2);
  EXPECT_TRUE(torch::equal(set.labels, torch::tensor({4, 5}, torch::kLong)));
}

TEST_F(FakeFashionMnistTest, PrefersTheGzippedFile) {
  // Both present and different: the .gz one is read.
  write_images("train", 2);
  write_labels("train", {1, 2});
  write_labels("train", {7}, "");
  const ImageSet set = load_fashion_mnist(dir_.path(), Split::kTrain);
  EXPECT_TRUE(torch::equal(set.labels, torch::tensor({1, 2}, torch::kLong)));
}

TEST_F(FakeFashionMnistTest, SplitsUseTheirOwnFiles) {
  write_images("t10k", 2);
  write_labels("t10k", {0, 1});
  EXPECT_NO_THROW(load_fashion_mnist(dir_.path(), Split::kTest));
  const auto missing = dir_.path() / "train-images-idx3-ubyte";
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            missing.string() + ".gz: no such file (nor " + missing.string() + ")");
}

TEST_F(FakeFashionMnistTest, MissingLabelsFileIsNamed) {
  write_images("train", 2);
  const auto missing = dir_.path() / "train-labels-idx1-ubyte";
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            missing.string() + ".gz: no such file (nor " + missing.string() + ")");
}

TEST_F(FakeFashionMnistTest, LabelCountMismatchNamesBothFiles) {
  const auto images = write_images("train", 5);
  const auto labels = write_labels("train", {1, 2, 3, 4});
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            labels.string() + ": 4 labels, expected 5 (one per image in " + images.string() + ")");
}

TEST_F(FakeFashionMnistTest, LabelOutOfRange) {
  write_images("train", 3);
  const auto labels = write_labels("train", {1, 9, 10});
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            labels.string() + ": label 10 at index 2, expected 0..9");
}

TEST_F(FakeFashionMnistTest, WrongImageSize) {
  const auto images = write_images("train", 2, ".gz", 32);
  write_labels("train", {1, 2});
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            images.string() + ": images of 32x32 pixels, expected 28x28");
}

TEST_F(FakeFashionMnistTest, SwappedFilesAreCaughtByRank) {
  // A labels file saved under the images name.
  const auto images = dir_.path() / "train-images-idx3-ubyte.gz";
  write_file(images, idx_bytes({2}, {1, 2}));
  write_labels("train", {1, 2});
  EXPECT_EQ(
      load_error(dir_.path(), Split::kTrain),
      images.string() + ": not an IDX file of rank 3 (magic 0x00000801, expected 0x00000803)");
}

TEST_F(FakeFashionMnistTest, TruncatedImagesNamesTheImagesFile) {
  const auto images = dir_.path() / "train-images-idx3-ubyte.gz";
  auto bytes = idx_bytes({2, kSide, kSide}, image_data(2));
  bytes.resize(bytes.size() - 100);
  write_file(images, bytes);
  write_labels("train", {1, 2});
  EXPECT_EQ(load_error(dir_.path(), Split::kTrain),
            images.string() + ": truncated: expected " + std::to_string(2 * kPixels) +
                " bytes of data (2x28x28), found " + std::to_string(2 * kPixels - 100));
}

}  // namespace
}  // namespace gansweep::data
