// Tests of the real-sample sources: the toy mixtures against their closed
// forms, seeding and state save/restore of the toy source, and the epoch
// walk of the image source (coverage, order, cursor) on small fake sets.
#include "data/real_data.h"

#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <utility>

#include "util/seed_tree.h"

namespace gansweep::data {
namespace {

constexpr double kPi = 3.14159265358979323846;
const torch::Device kCpu(torch::kCPU);

// Rows of a (K, 2) tensor as (x, y) pairs, rounded to 1e-6 so that equal
// means compare equal.
std::set<std::pair<long, long>> distinct_rows(const torch::Tensor& means) {
  std::set<std::pair<long, long>> rows;
  const auto m = means.accessor<float, 2>();
  for (std::int64_t k = 0; k < means.size(0); ++k) {
    rows.emplace(std::lround(m[k][0] * 1e6), std::lround(m[k][1] * 1e6));
  }
  return rows;
}

TEST(ToyMixtures, Ring8HasEightModesOnTheUnitCircle) {
  const ToyMixture ring = ring8_mixture();
  ASSERT_EQ(ring.means.sizes(), (std::vector<std::int64_t>{8, 2}));
  EXPECT_EQ(ring.means.scalar_type(), torch::kFloat32);
  EXPECT_EQ(ring.std, 0.01);
  EXPECT_EQ(distinct_rows(ring.means).size(), 8u);
  const auto m = ring.means.accessor<float, 2>();
  for (int k = 0; k < 8; ++k) {
    EXPECT_NEAR(m[k][0], std::cos(2 * kPi * k / 8), 1e-6) << "mode " << k;
    EXPECT_NEAR(m[k][1], std::sin(2 * kPi * k / 8), 1e-6) << "mode " << k;
    EXPECT_NEAR(std::hypot(m[k][0], m[k][1]), 1.0, 1e-6) << "mode " << k;
  }
  // Neighbours are 2 sin(pi/8) apart, far more than 6 std: modes never mix.
  const double min_gap =
      torch::cdist(ring.means, ring.means).add(torch::eye(8) * 10).min().item<double>();
  EXPECT_NEAR(min_gap, 2 * std::sin(kPi / 8), 1e-6);
}

TEST(ToyMixtures, Grid25CoversTheLattice) {
  const ToyMixture grid = grid25_mixture();
  ASSERT_EQ(grid.means.sizes(), (std::vector<std::int64_t>{25, 2}));
  EXPECT_EQ(grid.std, 0.05);
  std::set<std::pair<long, long>> expected;
  for (int x = -4; x <= 4; x += 2) {
    for (int y = -4; y <= 4; y += 2) expected.emplace(x * 1000000L, y * 1000000L);
  }
  EXPECT_EQ(distinct_rows(grid.means), expected);
}

// Draws `total` points in batches and returns, per point, its offset from
// the nearest mean (N, 2) and the index of that mean (N).
std::pair<torch::Tensor, torch::Tensor> draw_offsets(const ToyMixture& mixture, std::int64_t total,
                                                     std::uint64_t seed) {
  ToySource source(mixture, seed);
  std::vector<torch::Tensor> batches;
  for (std::int64_t drawn = 0; drawn < total; drawn += 1000) {
    batches.push_back(source.next_batch(1000, kCpu));
  }
  const torch::Tensor points = torch::cat(batches).to(torch::kFloat64);  // (N, 2)
  const torch::Tensor means = mixture.means.to(torch::kFloat64);         // (K, 2)
  const torch::Tensor nearest = torch::cdist(points, means).argmin(1);   // (N)
  return {points - means.index_select(0, nearest), nearest};
}

struct MixtureCase {
  const char* name;
  ToyMixture (*make)();
};

class ToySamplesTest : public ::testing::TestWithParam<MixtureCase> {};

TEST_P(ToySamplesTest, HaveTheMixturesStdAndUniformModes) {
  const ToyMixture mixture = GetParam().make();
  const std::int64_t kTotal = 100000;
  const auto [offsets, nearest] = draw_offsets(mixture, kTotal, 7);
  // Per coordinate, the sample std of n Gaussian values has relative
  // standard error 1/sqrt(2n) = 0.22%; 2% is 9 standard errors.
  const torch::Tensor stds = offsets.std(0);
  for (int axis = 0; axis < 2; ++axis) {
    EXPECT_NEAR(stds[axis].item<double>(), mixture.std, 0.02 * mixture.std) << "axis " << axis;
  }
  EXPECT_NEAR(offsets.mean().item<double>(), 0.0, 0.02 * mixture.std);
  // Mode counts are Binomial(n, 1/K); allow 6 standard deviations.
  const std::int64_t modes = mixture.means.size(0);
  const double expected = static_cast<double>(kTotal) / modes;
  const double tolerance = 6 * std::sqrt(expected * (1 - 1.0 / modes));
  const torch::Tensor counts = torch::bincount(nearest, {}, modes);
  for (std::int64_t k = 0; k < modes; ++k) {
    EXPECT_NEAR(counts[k].item<double>(), expected, tolerance) << "mode " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Mixtures, ToySamplesTest,
                         ::testing::Values(MixtureCase{"ring8", ring8_mixture},
                                           MixtureCase{"grid25", grid25_mixture}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ToySource, FollowsTheDocumentedRecipe) {
  // Modes from randint, then noise from randn, both from one CPU generator
  // seeded with the source's seed: what the seed means, pinned.
  const ToyMixture ring = ring8_mixture();
  ToySource source(ring, 42);
  at::Generator generator = at::detail::createCPUGenerator(42);
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor modes = torch::randint(8, {16}, generator, torch::kLong);
    const torch::Tensor noise = torch::randn({16, 2}, generator, torch::kFloat32);
    const torch::Tensor expected = ring.means.index_select(0, modes) + noise * 0.01;
    EXPECT_TRUE(torch::equal(source.next_batch(16, kCpu), expected)) << "step " << step;
  }
}

TEST(ToySource, SameSeedSameBatchesDifferentSeedDifferent) {
  auto a = make_toy_source(grid25_mixture(), 1);
  auto b = make_toy_source(grid25_mixture(), 1);
  auto c = make_toy_source(grid25_mixture(), 2);
  EXPECT_EQ(a->sample_shape(), (std::vector<std::int64_t>{2}));
  for (int step = 0; step < 5; ++step) {
    const torch::Tensor batch_a = a->next_batch(64, kCpu);
    ASSERT_EQ(batch_a.sizes(), (std::vector<std::int64_t>{64, 2}));
    EXPECT_EQ(batch_a.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(batch_a, b->next_batch(64, kCpu))) << "step " << step;
    EXPECT_FALSE(torch::equal(batch_a, c->next_batch(64, kCpu))) << "step " << step;
  }
}

TEST(ToySource, SavedStateReproducesTheFollowingBatches) {
  ToySource source(ring8_mixture(), 3);
  source.next_batch(100, kCpu);
  source.next_batch(7, kCpu);  // odd sizes leave randn's cached sample in play
  const torch::Tensor state = source.save_state();
  EXPECT_EQ(state.scalar_type(), torch::kUInt8);
  std::vector<torch::Tensor> expected;
  for (int step = 0; step < 4; ++step) expected.push_back(source.next_batch(33, kCpu));

  // Restored into the same source, and into a fresh one with another seed.
  ToySource other(ring8_mixture(), 999);
  source.load_state(state);
  other.load_state(state);
  for (int step = 0; step < 4; ++step) {
    EXPECT_TRUE(torch::equal(source.next_batch(33, kCpu), expected[step])) << "step " << step;
    EXPECT_TRUE(torch::equal(other.next_batch(33, kCpu), expected[step])) << "step " << step;
  }
}

TEST(ToySource, RejectsBadInput) {
  EXPECT_THROW(ToySource(ToyMixture{torch::zeros({3, 3}), 0.1}, 0), std::invalid_argument);
  EXPECT_THROW(ToySource(ToyMixture{torch::zeros({0, 2}), 0.1}, 0), std::invalid_argument);
  EXPECT_THROW(ToySource(ToyMixture{torch::zeros({3, 2}), 0.0}, 0), std::invalid_argument);
  EXPECT_THROW(ToySource(ToyMixture{torch::zeros({3, 2}), NAN}, 0), std::invalid_argument);
  ToySource source(ring8_mixture(), 0);
  EXPECT_THROW(source.next_batch(0, kCpu), std::invalid_argument);
  EXPECT_THROW(source.load_state(torch::zeros({2}, torch::kLong)), std::invalid_argument);
  EXPECT_THROW(source.load_state(torch::zeros({5}, torch::kUInt8)), std::invalid_argument);
}

// A fake set of `count` images (count <= 256); image i is filled with the
// value i, so a batch tells which images it holds.
ImageSet numbered_images(std::int64_t count) {
  ImageSet set;
  set.images = torch::arange(count, torch::kLong)
                   .to(torch::kUInt8)
                   .view({count, 1, 1, 1})
                   .expand({count, 1, 28, 28})
                   .contiguous();  // (N, 1, 28, 28)
  set.labels = torch::arange(count, torch::kLong).remainder(10);
  return set;
}

// The image numbers of a batch from numbered_images (B), checking that
// every pixel of an image agrees.
std::vector<std::int64_t> image_numbers(const torch::Tensor& batch) {
  EXPECT_EQ(batch.scalar_type(), torch::kFloat32);
  EXPECT_EQ(batch.sizes().slice(1), (std::vector<std::int64_t>{1, 28, 28}));
  const torch::Tensor pixels = (batch + 1).mul(127.5).round().to(torch::kLong);  // (B, 1, 28, 28)
  const torch::Tensor first = pixels.flatten(1).select(1, 0).contiguous();       // (B)
  EXPECT_TRUE(torch::equal(pixels, first.view({-1, 1, 1, 1}).expand_as(pixels)));
  return {first.data_ptr<std::int64_t>(), first.data_ptr<std::int64_t>() + first.numel()};
}

// The image numbers of the next `batches` batches of `batch` images.
std::vector<std::int64_t> walk(RealDataSource& source, int batches, std::int64_t batch) {
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < batches; ++i) {
    const auto next = image_numbers(source.next_batch(batch, kCpu));
    numbers.insert(numbers.end(), next.begin(), next.end());
  }
  return numbers;
}

TEST(ImageSource, EveryImageExactlyOncePerEpoch) {
  ImageSource source(numbered_images(12), 5, kCpu);
  EXPECT_EQ(source.size(), 12);
  EXPECT_EQ(source.sample_shape(), (std::vector<std::int64_t>{1, 28, 28}));
  std::vector<std::vector<std::int64_t>> epochs;
  for (int epoch = 0; epoch < 4; ++epoch) {
    auto numbers = walk(source, 3, 4);
    EXPECT_EQ(source.cursor(), (ImageCursor{epoch, 12}));
    epochs.push_back(numbers);
    std::sort(numbers.begin(), numbers.end());
    std::vector<std::int64_t> all(12);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(numbers, all) << "epoch " << epoch;
  }
  // Different orders in different epochs (the chance of a repeat is 1/12!).
  for (int e = 1; e < 4; ++e) EXPECT_NE(epochs[e], epochs[0]) << "epoch " << e;
}

TEST(ImageSource, OrderIsTheSeededPermutationOfEachEpoch) {
  // The documented contract: epoch e is randperm(N) from a CPU generator
  // seeded with derive_seed(seed, e).
  constexpr std::uint64_t kSeed = 77;
  ImageSource source(numbered_images(20), kSeed, kCpu);
  for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
    at::Generator generator = at::detail::createCPUGenerator(derive_seed(kSeed, epoch));
    const torch::Tensor permutation = torch::randperm(20, generator, torch::kLong);
    const std::vector<std::int64_t> expected(permutation.data_ptr<std::int64_t>(),
                                             permutation.data_ptr<std::int64_t>() + 20);
    EXPECT_EQ(walk(source, 4, 5), expected) << "epoch " << epoch;
  }
}

TEST(ImageSource, DropsTheIncompleteLastBatch) {
  ImageSource source(numbered_images(10), 1, kCpu);
  const auto first = walk(source, 2, 4);  // 8 of 10; the last 2 are dropped
  EXPECT_EQ(std::set<std::int64_t>(first.begin(), first.end()).size(), 8u);
  EXPECT_EQ(source.cursor(), (ImageCursor{0, 8}));
  walk(source, 1, 4);
  EXPECT_EQ(source.cursor(), (ImageCursor{1, 4}));
}

TEST(ImageSource, FixedBySeed) {
  ImageSource a(numbered_images(50), 11, kCpu);
  ImageSource b(numbered_images(50), 11, kCpu);
  ImageSource c(numbered_images(50), 12, kCpu);
  const auto walk_a = walk(a, 12, 10);
  EXPECT_EQ(walk_a, walk(b, 12, 10));
  EXPECT_NE(walk_a, walk(c, 12, 10));
}

TEST(ImageSource, RestoredCursorReproducesTheFollowingBatches) {
  ImageSource source(numbered_images(30), 4, kCpu);
  walk(source, 5, 7);  // ends inside epoch 1
  const ImageCursor cursor = source.cursor();
  EXPECT_EQ(cursor, (ImageCursor{1, 7}));
  const auto expected = walk(source, 9, 7);  // crosses two more epoch ends

  ImageSource fresh(numbered_images(30), 4, kCpu);
  fresh.set_cursor(cursor);
  EXPECT_EQ(walk(fresh, 9, 7), expected);
  source.set_cursor(cursor);
  EXPECT_EQ(walk(source, 9, 7), expected);
}

TEST(ImageSource, SavedStateWorksThroughTheBaseClass) {
  std::unique_ptr<RealDataSource> source = make_image_source(numbered_images(30), 4, kCpu);
  walk(*source, 6, 5);
  const torch::Tensor state = source->save_state();
  // The epoch turns when the next batch is drawn, not when the last one ends.
  EXPECT_TRUE(torch::equal(state, torch::tensor({0, 30}, torch::kLong))) << state;
  const auto expected = walk(*source, 8, 5);
  std::unique_ptr<RealDataSource> fresh = make_image_source(numbered_images(30), 4, kCpu);
  fresh->load_state(state);
  EXPECT_EQ(walk(*fresh, 8, 5), expected);
}

TEST(ImageSource, RejectsBadInput) {
  EXPECT_THROW(ImageSource(numbered_images(0), 0, kCpu), std::invalid_argument);
  ImageSet floats = numbered_images(3);
  floats.images = floats.images.to(torch::kFloat32);
  EXPECT_THROW(ImageSource(floats, 0, kCpu), std::invalid_argument);

  ImageSource source(numbered_images(10), 0, kCpu);
  EXPECT_THROW(source.next_batch(0, kCpu), std::invalid_argument);
  EXPECT_THROW(source.next_batch(11, kCpu), std::invalid_argument);
  EXPECT_THROW(source.set_cursor({-1, 0}), std::invalid_argument);
  EXPECT_THROW(source.set_cursor({0, 11}), std::invalid_argument);
  EXPECT_THROW(source.load_state(torch::zeros({3}, torch::kLong)), std::invalid_argument);
  EXPECT_THROW(source.load_state(torch::zeros({2}, torch::kUInt8)), std::invalid_argument);
  EXPECT_NO_THROW(source.next_batch(10, kCpu));  // the whole set is one batch
}

TEST(RealDataOnGpu, MatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA);
  ToySource toy_cpu(ring8_mixture(), 9);
  ToySource toy_gpu(ring8_mixture(), 9);
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor on_gpu = toy_gpu.next_batch(64, gpu);
    EXPECT_TRUE(on_gpu.is_cuda());
    EXPECT_TRUE(torch::equal(toy_cpu.next_batch(64, kCpu), on_gpu.cpu()));
  }
  ImageSource images_cpu(numbered_images(40), 9, kCpu);
  ImageSource images_gpu(numbered_images(40), 9, gpu);
  for (int step = 0; step < 5; ++step) {
    const torch::Tensor on_gpu = images_gpu.next_batch(16, gpu);
    EXPECT_TRUE(on_gpu.is_cuda());
    EXPECT_TRUE(torch::equal(images_cpu.next_batch(16, kCpu), on_gpu.cpu()));
  }
}

}  // namespace
}  // namespace gansweep::data
