#include "util/seed_tree.h"

#include <string>

#include "util/stable_hash.h"

namespace gansweep {

std::uint64_t derive_seed(std::uint64_t parent, std::string_view name) {
  std::string bytes(sizeof(parent), '\0');
  // Little-endian by construction, not by host order, so seeds agree across
  // machines.
  for (std::size_t i = 0; i < sizeof(parent); ++i) {
    bytes[i] = static_cast<char>((parent >> (8 * i)) & 0xff);
  }
  bytes += '/';
  bytes += name;
  // LibTorch generators take any uint64, but some consumers (std::mt19937 in
  // tests, JSON readers) handle 63 bits more safely.
  return stable_hash64(bytes) >> 1;
}

std::uint64_t derive_seed(std::uint64_t parent, std::uint64_t index) {
  return derive_seed(parent, std::to_string(index));
}

}  // namespace gansweep
