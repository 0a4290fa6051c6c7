// Reader for the IDX format of MNIST and Fashion-MNIST (REFERENCE.md §3):
// a big-endian int32 magic 0x000008NN (NN = number of dimensions, uint8
// data), one big-endian int32 per dimension, then the bytes. Files ending in
// .gz are decompressed on the fly. No LibTorch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace gansweep::data {

// Thrown for a missing, unreadable, truncated or malformed data file; the
// message names the file and says what was expected.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IdxArray {
  std::vector<std::int64_t> dims;   // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> bytes;  // product(dims) values, row-major
};

// Reads a whole uint8 IDX file. `expected_rank` (3 for images, 1 for labels)
// is checked against the magic. Throws DataError.
IdxArray read_idx_file(const std::filesystem::path& path, int expected_rank);

}  // namespace gansweep::data
