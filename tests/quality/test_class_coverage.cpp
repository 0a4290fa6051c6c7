// Class coverage and its KL divergence from uniform on hand-made
// probability rows, including the two thresholds (confidence and share).
#include "quality/class_coverage.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gansweep::quality {
namespace {

// `counts[k]` rows whose top class is k with probability `top`, the rest
// spread evenly over the other nine classes.
torch::Tensor rows(const std::vector<int>& counts, double top = 1.0) {
  std::vector<torch::Tensor> out;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    torch::Tensor p = torch::full({counts[k], 10}, (1.0 - top) / 9.0, torch::kDouble);
    if (counts[k] > 0) p.select(1, static_cast<std::int64_t>(k)).fill_(top);
    out.push_back(p);
  }
  return torch::cat(out);
}

TEST(ClassCoverage, EvenClassesAreAllCoveredWithZeroKl) {
  const auto c = class_coverage(rows(std::vector<int>(10, 10)));
  EXPECT_EQ(c.classes_covered, 10);
  ASSERT_TRUE(c.class_kl.has_value());
  EXPECT_NEAR(*c.class_kl, 0.0, 1e-12);
  EXPECT_EQ(c.top_counts, std::vector<std::int64_t>(10, 10));
}

TEST(ClassCoverage, OneClassCoversOneWithKlLogTen) {
  const auto c = class_coverage(rows({0, 0, 0, 50}));
  EXPECT_EQ(c.classes_covered, 1);
  ASSERT_TRUE(c.class_kl.has_value());
  EXPECT_NEAR(*c.class_kl, std::log(10.0), 1e-12);
}

TEST(ClassCoverage, TwoEvenClassesGiveKlLogFive) {
  // p = (1/2, 1/2, 0, ...): sum of 1/2 log(1/2 * 10) = log 5.
  const auto c = class_coverage(rows({30, 0, 0, 0, 0, 0, 0, 0, 0, 30}));
  EXPECT_EQ(c.classes_covered, 2);
  EXPECT_NEAR(*c.class_kl, std::log(5.0), 1e-12);
}

TEST(ClassCoverage, UnsureSamplesCountForKlButCoverNothing) {
  // Top probability 0.4 < 0.5: histogram as usual, no class covered.
  const auto unsure = class_coverage(rows(std::vector<int>(10, 10), 0.4));
  EXPECT_EQ(unsure.classes_covered, 0);
  EXPECT_NEAR(*unsure.class_kl, 0.0, 1e-12);
  EXPECT_EQ(unsure.confident, std::vector<std::int64_t>(10, 0));
  // Exactly at the threshold counts.
  EXPECT_EQ(class_coverage(rows(std::vector<int>(10, 10), 0.5)).classes_covered, 10);
  CoverageOptions lenient;
  lenient.min_confidence = 0.3;
  EXPECT_EQ(class_coverage(rows(std::vector<int>(10, 10), 0.4), lenient).classes_covered, 10);
}

TEST(ClassCoverage, AClassNeedsFivePercentOfTheSamples) {
  // 1000 samples: 50 are needed. Class 1 has 49, class 2 has 50.
  const auto c = class_coverage(rows({901, 49, 50}));
  EXPECT_EQ(c.classes_covered, 2);  // classes 0 and 2
  // 7% of 100 comes out as 7.000000000000001, yet 7 samples are enough.
  CoverageOptions seven;
  seven.min_fraction = 0.07;
  EXPECT_EQ(class_coverage(rows({86, 7, 7}), seven).classes_covered, 3);
  EXPECT_EQ(class_coverage(rows({88, 6, 6}), seven).classes_covered, 1);
  // With few samples one is enough: 5% of 10 rounds up to 1.
  EXPECT_EQ(class_coverage(rows({8, 1, 1})).classes_covered, 3);
  CoverageOptions strict;
  strict.min_fraction = 0.1;
  EXPECT_EQ(class_coverage(rows({901, 49, 50}), strict).classes_covered, 1);
}

TEST(ClassCoverage, NoSamplesCoverNothingAndHaveNoKl) {
  const auto c = class_coverage(torch::empty({0, 10}, torch::kDouble));
  EXPECT_EQ(c.classes_covered, 0);
  EXPECT_FALSE(c.class_kl.has_value());
  EXPECT_EQ(c.top_counts.size(), 10u);
}

TEST(ClassCoverage, WrongShapeIsRefused) {
  EXPECT_THROW(class_coverage(torch::ones({10})), c10::Error);
}

}  // namespace
}  // namespace gansweep::quality
