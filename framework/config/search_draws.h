// Turns hashed random words into sampled setting values, so that a sweep
// file with a search: section plans the same values, to the bit, on every
// machine and compiler. std::uniform_real_distribution and friends are
// implementation-defined, and std::exp and std::log may differ between C
// libraries in the last bit, so neither is used: only integer arithmetic and
// the IEEE-754 basic operations, which are correctly rounded everywhere.
#pragma once

#include <cstdint>

namespace gansweep {

// The words of one random stream: word k is derive_seed(seed, k), 63 bits.
// Each draw takes the words it needs in order, from word 0.
class RandomWords {
 public:
  explicit RandomWords(std::uint64_t seed) : seed_(seed) {}
  std::uint64_t next();

 private:
  std::uint64_t seed_;
  std::uint64_t count_ = 0;
};

// A double in [0, 1) from the top 53 bits of one word: every value is a
// multiple of 2^-53, each equally likely.
double draw_unit(RandomWords& words);

// Uniform on [low, high); needs low < high, both finite, and high - low
// finite.
double draw_uniform(double low, double high, RandomWords& words);

// Log-uniform on [low, high): log(value) is uniform; needs 0 < low < high.
double draw_log_uniform(double low, double high, RandomWords& words);

// Uniform on the whole numbers [low, high], both ends included; needs
// low <= high and high - low < 2^62. Rejection sampling, so no value is
// favoured by the modulo.
std::int64_t draw_integer(std::int64_t low, std::int64_t high, RandomWords& words);

// Natural logarithm and exponential from basic operations only: within a
// few units in the last place of std::log and std::exp, and the same on
// every IEEE-754 machine. portable_log needs a positive finite argument;
// portable_exp an argument in [-745, 709].
double portable_log(double x);
double portable_exp(double y);

}  // namespace gansweep
