// dg_dlogit and dg_dp closed forms (REFERENCE.md §1, handed case c07), in
// double precision, at ordinary and extreme logits.
#include "train/generator_derivatives.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace gansweep {
namespace {

TEST(GeneratorDerivatives, MinimaxSaturatesThroughTheSigmoid) {
  // dJ/dl = -sigma(l): vanishes as D rejects fakes confidently.
  EXPECT_NEAR(generator_dj_dlogit(LossKind::kMinimax, 0.0), -0.5, 1e-15);
  EXPECT_NEAR(generator_dj_dlogit(LossKind::kMinimax, -50.0), -1.9287498479639178e-22, 1e-35);
  EXPECT_GT(generator_dj_dlogit(LossKind::kMinimax, -200.0), -1e-86);
  EXPECT_LT(generator_dj_dlogit(LossKind::kMinimax, -200.0), 0.0);
  EXPECT_NEAR(generator_dj_dlogit(LossKind::kMinimax, 30.0), -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kMinimax, 100.0), -1.0);
  // ... although its slope in p is -1/(1 - p), which tends to -1, not 0.
  EXPECT_NEAR(generator_dj_dp(LossKind::kMinimax, -50.0), -1.0, 1e-15);
  EXPECT_NEAR(generator_dj_dp(LossKind::kMinimax, 0.0), -2.0, 1e-15);
}

TEST(GeneratorDerivatives, NonSaturatingKeepsAUnitGradient) {
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kNonSaturating, -50.0), -1.0);
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kNonSaturating, -200.0), -1.0);
  EXPECT_NEAR(generator_dj_dlogit(LossKind::kNonSaturating, 30.0), -9.357622968840175e-14, 1e-26);
  // dJ/dp = -1/p = -(1 + e^-l): 7.2e86 at l = -200, finite in double.
  EXPECT_NEAR(generator_dj_dp(LossKind::kNonSaturating, -200.0) / -7.225973768125749e86, 1.0,
              1e-12);
}

TEST(GeneratorDerivatives, RatioNonSaturatingOverMinimaxIsOneMinusPOverP) {
  for (double l : {-4.0, -1.0, 0.0, 2.0}) {
    const double p = stable_sigmoid(l);
    EXPECT_NEAR(generator_dj_dlogit(LossKind::kNonSaturating, l) /
                    generator_dj_dlogit(LossKind::kMinimax, l),
                (1 - p) / p, 1e-12 * (1 - p) / p);
  }
}

TEST(GeneratorDerivatives, RawOutputLosses) {
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kLeastSquares, 3.0), 2.0);
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kHinge, 3.0), -1.0);
  EXPECT_DOUBLE_EQ(generator_dj_dlogit(LossKind::kWassersteinGp, -3.0), -1.0);
  // Chain rule through l = logit(p): dJ/dp = dJ/dl / (p (1 - p)).
  const double l = 0.7;
  const double p = stable_sigmoid(l);
  EXPECT_NEAR(generator_dj_dp(LossKind::kLeastSquares, l), (l - 1) / (p * (1 - p)), 1e-12);
  EXPECT_DOUBLE_EQ(generator_dj_dp(LossKind::kLeastSquares, 1.0), 0.0);
}

TEST(GeneratorDerivatives, OverflowIsInfinityNeverNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  for (LossKind loss : {LossKind::kMinimax, LossKind::kNonSaturating, LossKind::kLeastSquares,
                        LossKind::kWassersteinGp, LossKind::kHinge}) {
    for (double l : {-1000.0, -200.0, -50.0, 0.0, 30.0, 100.0, 1000.0}) {
      EXPECT_FALSE(std::isnan(generator_dj_dlogit(loss, l))) << name_of(loss) << " " << l;
      EXPECT_FALSE(std::isnan(generator_dj_dp(loss, l))) << name_of(loss) << " " << l;
    }
  }
  EXPECT_EQ(generator_dj_dp(LossKind::kNonSaturating, -1000.0), -inf);
  EXPECT_EQ(generator_dj_dp(LossKind::kMinimax, 1000.0), -inf);
  EXPECT_EQ(generator_dj_dp(LossKind::kHinge, 1000.0), -inf);
}

TEST(GeneratorDerivatives, BatchMeansOfMagnitudes) {
  const auto s = generator_sensitivity(LossKind::kNonSaturating, {-50.0, -200.0, 0.0});
  EXPECT_NEAR(s.mean_abs_dj_dlogit, (1.0 + 1.0 + 0.5) / 3.0, 1e-15);
  const auto m = generator_sensitivity(LossKind::kMinimax, {0.0, 0.0});
  EXPECT_DOUBLE_EQ(m.mean_abs_dj_dlogit, 0.5);
  EXPECT_DOUBLE_EQ(m.mean_abs_dj_dp, 2.0);
  const auto nan_batch =
      generator_sensitivity(LossKind::kMinimax, {0.0, std::numeric_limits<double>::quiet_NaN()});
  EXPECT_TRUE(std::isnan(nan_batch.mean_abs_dj_dlogit));
}

}  // namespace
}  // namespace gansweep
