#include "util/stable_hash.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace gansweep {

std::uint64_t stable_hash64(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string stable_hash_hex(std::string_view bytes) {
  return fmt::format("{:016x}", stable_hash64(bytes));
}

}  // namespace gansweep
