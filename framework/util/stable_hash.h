// Hashes whose values are part of stored data (run keys, derived seeds), so
// they must never change between versions, platforms or compilers. Both use
// XXH3 (xxhash >= 0.8, whose output is frozen).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gansweep {

// 64-bit XXH3 of the bytes, seed 0.
std::uint64_t stable_hash64(std::string_view bytes);

// The same value as 16 lowercase hex digits.
std::string stable_hash_hex(std::string_view bytes);

}  // namespace gansweep
