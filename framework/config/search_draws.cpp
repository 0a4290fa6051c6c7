#include "config/search_draws.h"

#include <cmath>

#include "util/seed_tree.h"

// This file must be compiled without floating-point contraction
// (-ffp-contract=off, set in CMakeLists.txt): a fused multiply-add rounds
// once where the written a * b + c rounds twice, and GCC fuses by default
// wherever the target has the instruction (arm64, x86 with -march=native),
// which would make sampled values depend on the machine. It also assumes
// doubles are computed in double precision (SSE2 on x86, not the x87 unit).

namespace gansweep {
namespace {

// ln 2 split so that k * kLn2High is exact for |k| < 2^21 (its low 21 bits
// are zero) and kLn2High + kLn2Low is ln 2 to about 2^-86 (fdlibm's split).
constexpr double kLn2High = 0x1.62e42fee00000p-1;
constexpr double kLn2Low = 0x1.a39ef35793c76p-33;
constexpr double kInverseLn2 = 0x1.71547652b82fep0;
constexpr double kSqrtHalf = 0x1.6a09e667f3bcdp-1;

}  // namespace

std::uint64_t RandomWords::next() { return derive_seed(seed_, count_++); }

double draw_unit(RandomWords& words) {
  // derive_seed gives 63 bits; the top 53 fill a double's significand, and
  // the product by a power of two is exact.
  return static_cast<double>(words.next() >> 10) * 0x1p-53;
}

double draw_uniform(double low, double high, RandomWords& words) {
  const double value = low + draw_unit(words) * (high - low);
  // Rounding can reach high itself when the unit draw is within 2^-53 of 1;
  // the interval is half-open so that high may be a bound a setting must stay
  // below (beta1 in [0, 1)).
  return value < high ? value : std::nextafter(high, low);
}

double draw_log_uniform(double low, double high, RandomWords& words) {
  const double log_low = portable_log(low);
  const double log_high = portable_log(high);
  const double value = portable_exp(log_low + draw_unit(words) * (log_high - log_low));
  // exp(log(low)) need not give low back to the last bit.
  if (value < low) return low;
  return value < high ? value : std::nextafter(high, low);
}

std::int64_t draw_integer(std::int64_t low, std::int64_t high, RandomWords& words) {
  const std::uint64_t span = static_cast<std::uint64_t>(high - low) + 1;
  // Words are uniform on [0, 2^63); only the largest multiple of span below
  // 2^63 is used, so every value is equally likely. A word is refused with
  // probability below span / 2^63.
  constexpr std::uint64_t kWordRange = std::uint64_t{1} << 63;
  const std::uint64_t limit = kWordRange - kWordRange % span;
  std::uint64_t word = words.next();
  while (word >= limit) word = words.next();
  return low + static_cast<std::int64_t>(word % span);
}

double portable_log(double x) {
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)), so ln x = e ln 2 + ln m, and
  // ln m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.172.
  int exponent = 0;
  double m = std::frexp(x, &exponent);  // m in [1/2, 1), exact
  if (m < kSqrtHalf) {
    m *= 2;
    --exponent;
  }
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...); s^31/31 is below 2^-80 of s.
  double series = 1.0 / 29;
  for (int k = 27; k >= 1; k -= 2) series = series * s2 + 1.0 / k;
  const double ln_m = 2 * s * series;
  const double e = exponent;
  return e * kLn2High + (e * kLn2Low + ln_m);
}

double portable_exp(double y) {
  // y = k ln 2 + r with |r| <= ln(2) / 2, so e^y = 2^k e^r.
  const double k = std::floor(y * kInverseLn2 + 0.5);
  const double r = (y - k * kLn2High) - k * kLn2Low;
  // Taylor series in Horner form, 1 + r (1 + r/2 (1 + r/3 (...))); the
  // first term left out, r^19/19!, is below 2^-70.
  double sum = 1;
  for (int n = 18; n >= 1; --n) sum = 1 + sum * r / n;
  return std::ldexp(sum, static_cast<int>(k));
}

}  // namespace gansweep
