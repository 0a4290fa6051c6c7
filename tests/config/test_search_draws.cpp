// The search's generator: the same words and values on every machine (pinned
// here, so that any change to the generator is noticed), values within their
// ranges, and log/exp built from basic operations close to the C library's.
#include "config/search_draws.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace gansweep {
namespace {

// Doubles as the shortest text that reads back to them: equal text, equal
// bits.
std::string exact(double value) { return fmt::format("{}", value); }

TEST(SearchDraws, PinnedWordsAndValues) {
  // Sweep files plan these values on every machine; if this test fails, the
  // generator changed, and every search would plan other runs than before.
  RandomWords words(42);
  EXPECT_EQ(words.next(), 4418117871429529679u);
  RandomWords uniform(42);
  EXPECT_EQ(exact(draw_uniform(0, 1, uniform)), "0.47901329945009286");
  RandomWords log_uniform(42);
  EXPECT_EQ(exact(draw_log_uniform(1e-5, 1e-2, log_uniform)), "0.00027355200252004937");
  RandomWords integer(42);
  EXPECT_EQ(draw_integer(1, 5, integer), 5);
}

TEST(SearchDraws, UnitDrawsAreMultiplesOf2ToTheMinus53InZeroToOne) {
  RandomWords words(7);
  for (int i = 0; i < 10000; ++i) {
    const double u = draw_unit(words);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    const double scaled = u * 0x1p53;
    ASSERT_EQ(scaled, std::floor(scaled));
  }
}

TEST(SearchDraws, UniformStaysBelowHighEvenWhenRoundingReachesIt) {
  // A range one unit in the last place wide: low + u * (high - low) rounds
  // to high for about half the draws, which must come back below high.
  const double low = 1.0;
  const double high = std::nextafter(1.0, 2.0);
  RandomWords words(3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(draw_uniform(low, high, words), low);
}

TEST(SearchDraws, UniformFillsItsRange) {
  RandomWords words(11);
  int below_quarter = 0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const double value = draw_uniform(0.25, 0.75, words);
    ASSERT_GE(value, 0.25);
    ASSERT_LT(value, 0.75);
    if (value < 0.375) ++below_quarter;
  }
  // A quarter of the range; the binomial standard deviation is 0.0014.
  EXPECT_NEAR(below_quarter / double(kDraws), 0.25, 0.01);
}

TEST(SearchDraws, LogUniformStaysInRangeAndIsUniformInLog) {
  RandomWords words(5);
  int below_1e4 = 0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const double value = draw_log_uniform(1e-5, 1e-2, words);
    ASSERT_GE(value, 1e-5);
    ASSERT_LT(value, 1e-2);
    if (value < 1e-4) ++below_1e4;
  }
  // One decade of three.
  EXPECT_NEAR(below_1e4 / double(kDraws), 1.0 / 3, 0.01);
}

TEST(SearchDraws, LogUniformOverOneUnitInTheLastPlaceStaysInRange) {
  const double low = 3e-4;
  const double high = std::nextafter(low, 1.0);
  RandomWords words(9);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(draw_log_uniform(low, high, words), low);
}

TEST(SearchDraws, IntegersHitBothEndsEquallyOften) {
  RandomWords words(13);
  std::map<std::int64_t, int> counts;
  constexpr int kDraws = 50000;
  for (int i = 0; i < kDraws; ++i) ++counts[draw_integer(1, 5, words)];
  ASSERT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts.begin()->first, 1);
  EXPECT_EQ(counts.rbegin()->first, 5);
  // 10000 expected each; the standard deviation is 89.
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, kDraws / 5, 500) << value;
}

TEST(SearchDraws, IntegersOverAHugeSpan) {
  RandomWords words(17);
  const std::int64_t low = -9'000'000'000'000'000;
  const std::int64_t high = 9'000'000'000'000'000;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t value = draw_integer(low, high, words);
    ASSERT_GE(value, low);
    ASSERT_LE(value, high);
  }
}

TEST(SearchDraws, PortableLogIsCloseToTheCLibrarys) {
  for (double x : {1e-310, 1e-300, 1e-5, 0.1, 0.5, 0.7071, 0.99999, 1.0, 1.00001, 2.0, 10.0, 1234.5,
                   1e100, 1.7e308}) {
    const double expected = std::log(x);
    EXPECT_NEAR(portable_log(x), expected, 4e-16 * std::max(1.0, std::fabs(expected))) << x;
  }
  RandomWords words(19);
  for (int i = 0; i < 20000; ++i) {
    const double x = std::ldexp(1.0 + draw_unit(words), static_cast<int>(i % 200) - 100);
    const double expected = std::log(x);
    ASSERT_NEAR(portable_log(x), expected, 4e-16 * std::max(1.0, std::fabs(expected))) << x;
  }
  EXPECT_EQ(portable_log(1.0), 0.0);
}

TEST(SearchDraws, PortableExpIsCloseToTheCLibrarys) {
  RandomWords words(23);
  for (int i = 0; i < 20000; ++i) {
    const double y = -700 + 1400 * draw_unit(words);
    const double expected = std::exp(y);
    ASSERT_NEAR(portable_exp(y), expected, 8e-16 * expected) << y;
  }
  EXPECT_EQ(portable_exp(0.0), 1.0);
}

}  // namespace
}  // namespace gansweep
