// The fixed tree of random streams derived from a run's seed. Each consumer
// (data order, G init, D init, noise, ...) asks for its stream by name, so a
// stream added later never shifts the values of the existing ones, and two
// runs that share a seed share every stream whatever else differs.
#pragma once

#include <cstdint>
#include <string_view>

namespace gansweep {

// Names of the streams in use. Changing a name changes stored results.
namespace streams {
inline constexpr std::string_view kDataOrder = "data";
inline constexpr std::string_view kGeneratorInit = "g_init";
inline constexpr std::string_view kDiscriminatorInit = "d_init";
inline constexpr std::string_view kNoise = "noise";
inline constexpr std::string_view kPenalty = "penalty";  // WGAN-GP mixing
inline constexpr std::string_view kEvalNoise = "eval";
// Parent of the discriminators that later phases start afresh, one child
// per phase index.
inline constexpr std::string_view kFreshDiscriminatorInit = "d_fresh";
}  // namespace streams

// Seed of stream `name` under `parent`: a hash of both, so nearby parents
// (seed 0, 1, 2) still give unrelated streams. Children can be derived from a
// child in turn (for example one per epoch).
std::uint64_t derive_seed(std::uint64_t parent, std::string_view name);
std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t index);

}  // namespace gansweep
