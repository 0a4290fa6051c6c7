// Helpers for the data tests: a temporary folder that removes itself, and
// writers for IDX files (plain or gzipped) whose every byte the test controls.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gansweep::data::test_util {

class TempDir {
 public:
  TempDir() {
    std::string name = (std::filesystem::temp_directory_path() / "gansweep-data-XXXXXX");
    if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void append_big_endian(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back((value >> shift) & 0xff);
}

// The bytes of a uint8 IDX file: magic 0x0800 | rank, dims, data.
inline std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                           const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out;
  append_big_endian(out, 0x00000800u | static_cast<std::uint32_t>(dims.size()));
  for (std::uint32_t dim : dims) append_big_endian(out, dim);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Writes `bytes` to `path`, gzip-compressed when the name ends in .gz.
inline void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  if (path.extension() == ".gz") {
    gzFile file = gzopen(path.c_str(), "wb");
    if (file == nullptr) throw std::runtime_error("gzopen failed: " + path.string());
    const int written =
        bytes.empty() ? 0 : gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    if (gzclose(file) != Z_OK || written != static_cast<int>(bytes.size())) {
      throw std::runtime_error("gzwrite failed: " + path.string());
    }
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("write failed: " + path.string());
}

// The raw bytes of a file as stored (still compressed for .gz).
inline std::vector<std::uint8_t> read_raw(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Bytes 3, 10, 17, ... (7i + 3 mod 256): data in which a shifted byte shows.
inline std::vector<std::uint8_t> counting_bytes(std::size_t count) {
  std::vector<std::uint8_t> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return out;
}

}  // namespace gansweep::data::test_util
