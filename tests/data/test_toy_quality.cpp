// Tests of the toy-quality metric: real mixture samples against the closed
// form for the fraction inside 3 std of a 2-D Gaussian, hand-built histograms
// against hand-computed KL values, and the degenerate cases (no high-quality
// point, non-finite points).
#include "data/toy_quality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace gansweep::data {
namespace {

const torch::Device kCpu(torch::kCPU);

// Points placed exactly at the listed modes of `mixture`, plus offsets.
torch::Tensor at_modes(const ToyMixture& mixture, const std::vector<std::int64_t>& modes) {
  return mixture.means.index_select(0, torch::tensor(modes, torch::kLong)).clone();  // (N, 2)
}

struct MixtureCase {
  const char* name;
  ToyMixture (*make)();
  std::int64_t samples;
};

class RealSamplesQualityTest : public ::testing::TestWithParam<MixtureCase> {};

TEST_P(RealSamplesQualityTest, MatchTheClosedForm) {
  const MixtureCase& c = GetParam();
  const ToyMixture mixture = c.make();
  ToySource source(mixture, 2024);
  const ToyQuality quality = evaluate_toy_quality(source.next_batch(c.samples, kCpu), mixture);

  const std::int64_t modes = mixture.means.size(0);
  EXPECT_EQ(quality.modes_covered, modes);
  // In 2-D, |x - mu|^2 / std^2 is chi-squared with 2 degrees of freedom, so
  // P(|x - mu| <= 3 std) = 1 - exp(-9/2) = 0.98889, not the 1-D 99.73%.
  const double expected = 1 - std::exp(-4.5);
  const double standard_error = std::sqrt(expected * (1 - expected) / c.samples);
  EXPECT_NEAR(quality.high_quality_fraction, expected, 5 * standard_error);
  // The histogram of n uniform draws over K bins has E[KL] ~ (K - 1) / (2n);
  // allow ten times that.
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_GE(*quality.mode_kl, 0.0);
  EXPECT_LT(*quality.mode_kl, 10.0 * (modes - 1) / (2.0 * c.samples));
}

INSTANTIATE_TEST_SUITE_P(Mixtures, RealSamplesQualityTest,
                         ::testing::Values(MixtureCase{"ring8", ring8_mixture, 20000},
                                           // 2,500 points, as the protocol draws.
                                           MixtureCase{"grid25", grid25_mixture, 2500}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ToyQuality, AllAtOneModeGivesLogK) {
  const ToyMixture ring = ring8_mixture();
  const ToyQuality quality = evaluate_toy_quality(at_modes(ring, {3, 3, 3, 3, 3}), ring);
  EXPECT_EQ(quality.modes_covered, 1);
  EXPECT_EQ(quality.high_quality_fraction, 1.0);
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_NEAR(*quality.mode_kl, std::log(8.0), 1e-12);
}

TEST(ToyQuality, UniformOverAllModesGivesZero) {
  const ToyMixture grid = grid25_mixture();
  std::vector<std::int64_t> modes;
  for (int k = 0; k < 25; ++k) modes.insert(modes.end(), {k, k});
  const ToyQuality quality = evaluate_toy_quality(at_modes(grid, modes), grid);
  EXPECT_EQ(quality.modes_covered, 25);
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_NEAR(*quality.mode_kl, 0.0, 1e-12);
}

TEST(ToyQuality, HandComputedHistogram) {
  // High-quality points at modes 0, 0, 1, 2 give p = (1/2, 1/4, 1/4) over
  // K = 8: KL = 1/2 log 4 + 2 * 1/4 log 2 = 1.5 log 2. A fifth point far
  // away lowers the fraction but not the histogram.
  const ToyMixture ring = ring8_mixture();
  torch::Tensor points = at_modes(ring, {0, 0, 1, 2, 0});
  points[4][0] = 50.0f;
  const ToyQuality quality = evaluate_toy_quality(points, ring);
  EXPECT_EQ(quality.modes_covered, 3);
  EXPECT_DOUBLE_EQ(quality.high_quality_fraction, 0.8);
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_NEAR(*quality.mode_kl, 1.5 * std::log(2.0), 1e-12);
}

TEST(ToyQuality, ThresholdIsThreeStdFromTheNearestMode) {
  // grid25 std 0.05: 3 std = 0.15. Offsets along x from mode (0, 0), at
  // index 12, inside and outside the threshold, and along a diagonal.
  const ToyMixture grid = grid25_mixture();
  const torch::Tensor points = torch::tensor({{0.149f, 0.0f},    // inside
                                              {0.151f, 0.0f},    // outside
                                              {0.1f, 0.1f},      // 0.141, inside
                                              {0.11f, 0.11f},    // 0.156, outside
                                              {2.0f, -3.86f}});  // 0.14 from (2, -4)
  const ToyQuality quality = evaluate_toy_quality(points, grid);
  EXPECT_DOUBLE_EQ(quality.high_quality_fraction, 3.0 / 5.0);
  EXPECT_EQ(quality.modes_covered, 2);
  // Histogram (2/3, 1/3) over K = 25.
  const double expected_kl = 2.0 / 3 * std::log(2.0 / 3 * 25) + 1.0 / 3 * std::log(25.0 / 3);
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_NEAR(*quality.mode_kl, expected_kl, 1e-12);
}

TEST(ToyQuality, FarAwayPointsHaveNoQualityAndNoKl) {
  const ToyMixture ring = ring8_mixture();
  const ToyQuality quality =
      evaluate_toy_quality(torch::full({100, 2}, 5.0f, torch::kFloat32), ring);
  EXPECT_EQ(quality.modes_covered, 0);
  EXPECT_EQ(quality.high_quality_fraction, 0.0);
  EXPECT_FALSE(quality.mode_kl.has_value());
}

TEST(ToyQuality, NonFinitePointsAreNeverHighQuality) {
  const ToyMixture ring = ring8_mixture();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  torch::Tensor points = at_modes(ring, {0, 1, 2, 3, 4, 5});
  points[0][0] = nan;  // one NaN coordinate, the other exactly on a mode
  points[1][1] = nan;
  points[2][0] = inf;
  points[3][1] = -inf;
  const ToyQuality quality = evaluate_toy_quality(points, ring);
  EXPECT_DOUBLE_EQ(quality.high_quality_fraction, 2.0 / 6.0);
  EXPECT_EQ(quality.modes_covered, 2);
  ASSERT_TRUE(quality.mode_kl.has_value());
  EXPECT_NEAR(*quality.mode_kl, std::log(4.0), 1e-12);  // (1/2, 1/2) over 8

  const ToyQuality all_nan = evaluate_toy_quality(torch::full({4, 2}, nan), ring);
  EXPECT_EQ(all_nan.modes_covered, 0);
  EXPECT_EQ(all_nan.high_quality_fraction, 0.0);
  EXPECT_FALSE(all_nan.mode_kl.has_value());
}

TEST(ToyQuality, AcceptsDoublesAndEmptyInput) {
  const ToyMixture ring = ring8_mixture();
  const ToyQuality doubles = evaluate_toy_quality(at_modes(ring, {0, 7}).to(torch::kFloat64), ring);
  EXPECT_EQ(doubles.modes_covered, 2);
  const ToyQuality empty = evaluate_toy_quality(torch::zeros({0, 2}), ring);
  EXPECT_EQ(empty.modes_covered, 0);
  EXPECT_EQ(empty.high_quality_fraction, 0.0);
  EXPECT_FALSE(empty.mode_kl.has_value());
}

TEST(ToyQuality, RejectsWrongShapes) {
  const ToyMixture ring = ring8_mixture();
  EXPECT_THROW(evaluate_toy_quality(torch::zeros({5, 3}), ring), std::invalid_argument);
  EXPECT_THROW(evaluate_toy_quality(torch::zeros({10}), ring), std::invalid_argument);
}

}  // namespace
}  // namespace gansweep::data
