// The Frechet distance against closed forms: zero for identical sets, the
// 1-D and diagonal formulas, a 2x2 pair of non-commuting covariances (where
// Tr((S1^1/2 S2 S1^1/2)^1/2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))), and
// a sample estimate converging to its Gaussians' value.
#include "quality/frechet_distance.h"

#include <gtest/gtest.h>

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

namespace gansweep::quality {
namespace {

FeatureStatistics gaussian(std::vector<double> mean, const torch::Tensor& covariance) {
  FeatureStatistics stats;
  stats.mean = torch::tensor(mean, torch::kDouble);
  stats.covariance = covariance.to(torch::kDouble);
  stats.count = 1000;
  return stats;
}

torch::Tensor matrix2(double a, double b, double c, double d) {
  return torch::tensor({a, b, c, d}, torch::kDouble).reshape({2, 2});
}

TEST(FeatureStatistics, MeanAndUnbiasedCovarianceByHand) {
  // Rows (1, 2), (3, 4), (5, 0): mean (3, 2); deviations (-2, 0), (0, 2),
  // (2, -2); sums of products / (N - 1) = 2: var x 4, var y 4, cov -2.
  const auto stats =
      feature_statistics(torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 0.0}).reshape({3, 2}));
  EXPECT_EQ(stats.count, 3);
  EXPECT_EQ(stats.mean.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::allclose(stats.mean, torch::tensor({3.0, 2.0}, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(stats.covariance, matrix2(4, -2, -2, 4)));
}

TEST(FeatureStatistics, NeedsTwoVectors) {
  EXPECT_THROW(feature_statistics(torch::ones({1, 4})), c10::Error);
  EXPECT_THROW(feature_statistics(torch::ones({4})), c10::Error);
}

TEST(FrechetDistance, IdenticalSetsScoreZero) {
  at::Generator random = at::detail::createCPUGenerator(7);
  const auto full_rank = feature_statistics(torch::randn({500, 16}, random, torch::kDouble));
  EXPECT_NEAR(frechet_distance(full_rank, full_rank), 0.0, 1e-10);

  // Fewer vectors than dimensions and a constant (dead ReLU) feature: the
  // covariance is singular and eigh returns eigenvalues a hair below zero.
  torch::Tensor few = torch::randn({10, 64}, random, torch::kDouble) * 3 + 1;
  few.select(1, 5).fill_(0.25);
  const auto singular = feature_statistics(few);
  const double d = frechet_distance(singular, singular);
  EXPECT_FALSE(std::isnan(d));
  EXPECT_NEAR(d, 0.0, 1e-9);
}

TEST(FrechetDistance, OneDimensionIsTheSquaredWassersteinDistance) {
  // (mu1 - mu2)^2 + (sigma1 - sigma2)^2, with sigma 3 and 0.5.
  const auto a = gaussian({1.5}, torch::tensor({9.0}).reshape({1, 1}));
  const auto b = gaussian({-0.5}, torch::tensor({0.25}).reshape({1, 1}));
  EXPECT_NEAR(frechet_distance(a, b), 4.0 + 6.25, 1e-12);
}

TEST(FrechetDistance, DiagonalCovariancesClosedForm) {
  const std::vector<double> va{1.0, 4.0, 0.09, 2.0};
  const std::vector<double> vb{0.25, 4.0, 1.0, 0.0};  // one degenerate direction
  const auto a = gaussian({0.0, 1.0, 2.0, 3.0}, torch::diag(torch::tensor(va, torch::kDouble)));
  const auto b = gaussian({1.0, 1.0, 0.0, 3.5}, torch::diag(torch::tensor(vb, torch::kDouble)));
  double expected = 1.0 + 0.0 + 4.0 + 0.25;
  for (std::size_t i = 0; i < va.size(); ++i) {
    expected += std::pow(std::sqrt(va[i]) - std::sqrt(vb[i]), 2);
  }
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-12);
  EXPECT_NEAR(frechet_distance(b, a), expected, 1e-12);
}

TEST(FrechetDistance, NonCommutingCovariancesClosedForm) {
  // S1 = R diag(4, 1) R^T with R a rotation by 0.6 rad; S2 = [[2, 0.3], [0.3, 0.5]].
  const double c = std::cos(0.6);
  const double s = std::sin(0.6);
  const double s1_xx = 4 * c * c + 1 * s * s;
  const double s1_xy = (4 - 1) * c * s;
  const double s1_yy = 4 * s * s + 1 * c * c;
  const double s2_xx = 2.0, s2_xy = 0.3, s2_yy = 0.5;
  const auto a = gaussian({0.0, 0.0}, matrix2(s1_xx, s1_xy, s1_xy, s1_yy));
  const auto b = gaussian({0.3, -0.4}, matrix2(s2_xx, s2_xy, s2_xy, s2_yy));

  const double trace_product = s1_xx * s2_xx + 2 * s1_xy * s2_xy + s1_yy * s2_yy;
  const double det1 = s1_xx * s1_yy - s1_xy * s1_xy;  // 4
  const double det2 = s2_xx * s2_yy - s2_xy * s2_xy;
  const double cross = std::sqrt(trace_product + 2 * std::sqrt(det1 * det2));
  const double expected = 0.25 + (s1_xx + s1_yy) + (s2_xx + s2_yy) - 2 * cross;
  EXPECT_NEAR(frechet_distance(a, b), expected, 1e-12);
}

TEST(FrechetDistance, ShiftingASetAddsTheSquaredShift) {
  at::Generator random = at::detail::createCPUGenerator(11);
  const torch::Tensor x = torch::randn({300, 6}, random, torch::kDouble);
  const torch::Tensor shift = torch::tensor({1.0, -2.0, 0.0, 0.5, 0.0, 3.0}, torch::kDouble);
  const double d = frechet_distance(feature_statistics(x), feature_statistics(x + shift));
  EXPECT_NEAR(d, 1 + 4 + 0.25 + 9, 1e-9);
}

TEST(FrechetDistance, SampleEstimateApproachesTheGaussiansValue) {
  // N(0, diag(1, 4, 0.25)) against N((1, 0, 0), diag(4, 4, 1)):
  // 1 + (1 - 2)^2 + 0 + (0.5 - 1)^2 = 2.25. With N = 200000 per set the
  // estimate's standard deviation is about 0.0125 (mostly from the first
  // coordinate: 2 sqrt(5 / N) for the mean, 2 sqrt(2.5 / N) for the
  // deviations), so 0.05 is four of them.
  constexpr std::int64_t kCount = 200000;
  at::Generator random = at::detail::createCPUGenerator(3);
  const auto sd_a = torch::tensor({1.0, 2.0, 0.5}, torch::kDouble);
  const auto sd_b = torch::tensor({2.0, 2.0, 1.0}, torch::kDouble);
  const torch::Tensor xa = torch::randn({kCount, 3}, random, torch::kDouble) * sd_a;
  const torch::Tensor xb = torch::randn({kCount, 3}, random, torch::kDouble) * sd_b +
                           torch::tensor({1.0, 0.0, 0.0}, torch::kDouble);
  EXPECT_NEAR(frechet_distance(feature_statistics(xa), feature_statistics(xb)), 2.25, 0.05);
}

TEST(FrechetDistance, StatisticsOfDifferentWidthsAreRefused) {
  const auto a = gaussian({0.0, 0.0}, torch::eye(2, torch::kDouble));
  const auto b = gaussian({0.0, 0.0, 0.0}, torch::eye(3, torch::kDouble));
  EXPECT_THROW(frechet_distance(a, b), c10::Error);
}

TEST(PsdSquareRoot, SquaresBackAndClampsRoundingNegatives) {
  const torch::Tensor m = matrix2(5, 2, 2, 2);
  const torch::Tensor root = psd_square_root(m);
  EXPECT_TRUE(torch::allclose(root.matmul(root), m, 1e-12, 1e-12));
  // Rank one, so one eigenvalue is zero in exact arithmetic.
  const torch::Tensor v = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble).unsqueeze(1);
  const torch::Tensor rank_one = v.matmul(v.t());
  const torch::Tensor r = psd_square_root(rank_one);
  EXPECT_FALSE(torch::isnan(r).any().item<bool>());
  EXPECT_TRUE(torch::allclose(r.matmul(r), rank_one, 1e-9, 1e-9));
}

}  // namespace
}  // namespace gansweep::quality
