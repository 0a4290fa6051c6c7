// Reads uint8 IDX files, plain or gzipped, checking every header field and the
// exact data length so that a damaged download fails loudly with the file's
// name instead of training on garbage.
#include "data/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include <fmt/format.h>

namespace gansweep::data {
namespace {

// Data type code of unsigned bytes, the third byte of the magic.
constexpr std::uint32_t kUint8TypeCode = 0x08;
// The format allows up to 255 dimensions; more than this is surely damage.
constexpr int kMaxRank = 16;
// Refuse headers announcing more than 2 GiB: Fashion-MNIST's largest file has
// 47 MB, and a corrupt header must not make us allocate absurd amounts.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 31;
// Data is read in chunks so memory grows with what the file really holds,
// not with what a (possibly corrupt) header claims.
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

// A byte stream over a plain or a gzipped file. read() returns fewer bytes
// than asked only at the end of the data, and throws DataError on I/O or
// decompression errors. finish() is called once everything was read and
// throws if the file ended in a way that makes its content suspect.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual std::size_t read(std::uint8_t* out, std::size_t count) = 0;
  virtual void finish() {}
};

class PlainReader : public ByteReader {
 public:
  explicit PlainReader(const std::filesystem::path& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      throw DataError(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
    }
  }
  ~PlainReader() override { std::fclose(file_); }
  PlainReader(const PlainReader&) = delete;
  PlainReader& operator=(const PlainReader&) = delete;

  std::size_t read(std::uint8_t* out, std::size_t count) override {
    const std::size_t got = std::fread(out, 1, count, file_);
    if (got < count && std::ferror(file_)) {
      throw DataError(fmt::format("{}: read error: {}", path_.string(), std::strerror(errno)));
    }
    return got;
  }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

class GzipReader : public ByteReader {
 public:
  explicit GzipReader(const std::filesystem::path& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      throw DataError(fmt::format("{}: cannot open: {}", path.string(),
                                  errno != 0 ? std::strerror(errno) : "out of memory"));
    }
  }
  ~GzipReader() override { gzclose(file_); }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  std::size_t read(std::uint8_t* out, std::size_t count) override {
    std::size_t total = 0;
    // gzread takes an unsigned count, so read at most one chunk per call.
    while (total < count) {
      const auto want = static_cast<unsigned>(std::min(count - total, kChunkBytes));
      const int got = gzread(file_, out + total, want);
      if (got < 0) {
        // Bad deflate data or a wrong CRC / length in the gzip trailer.
        throw DataError(fmt::format("{}: corrupt gzip data: {}", path_.string(), error_message()));
      }
      if (got == 0) break;
      total += static_cast<std::size_t>(got);
    }
    return total;
  }

  void finish() override {
    // zlib reports a stream cut off before its trailer only as Z_BUF_ERROR
    // after a short read; without the trailer the CRC was never checked.
    int code = Z_OK;
    gzerror(file_, &code);
    if (code != Z_OK) {
      throw DataError(fmt::format("{}: corrupt gzip data: {}", path_.string(), error_message()));
    }
  }

 private:
  std::string error_message() {
    int code = Z_OK;
    const char* raw = gzerror(file_, &code);
    std::string message = raw != nullptr && *raw != '\0' ? raw : "unknown error";
    // zlib prefixes the path itself; ours already leads the message.
    const std::string prefix = path_.string() + ": ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    return message;
  }

  std::filesystem::path path_;
  gzFile file_ = nullptr;
};

// Reads exactly `count` bytes or throws DataError saying what was missing.
void read_exactly(ByteReader& reader, const std::filesystem::path& path, std::uint8_t* out,
                  std::size_t count, const std::string& what) {
  const std::size_t got = reader.read(out, count);
  if (got != count) {
    throw DataError(fmt::format("{}: truncated: expected {} bytes of {}, found {}", path.string(),
                                count, what, got));
  }
}

std::uint32_t big_endian_u32(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

// "60000x28x28"
std::string format_dims(const std::vector<std::int64_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    text += (i == 0 ? "" : "x") + std::to_string(dims[i]);
  }
  return text;
}

}  // namespace

IdxArray read_idx_file(const std::filesystem::path& path, int expected_rank) {
  if (expected_rank < 1 || expected_rank > kMaxRank) {
    throw std::invalid_argument(fmt::format("read_idx_file: expected_rank must be in 1..{}, got {}",
                                            kMaxRank, expected_rank));
  }
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw DataError(fmt::format("{}: no such file", path.string()));
  }
  if (status.type() == std::filesystem::file_type::directory) {
    throw DataError(fmt::format("{}: is a directory, expected an IDX file", path.string()));
  }

  std::unique_ptr<ByteReader> reader;
  if (path.extension() == ".gz") {
    reader = std::make_unique<GzipReader>(path);
  } else {
    reader = std::make_unique<PlainReader>(path);
  }

  std::array<std::uint8_t, 4> magic_bytes{};
  read_exactly(*reader, path, magic_bytes.data(), magic_bytes.size(), "IDX magic number");
  const std::uint32_t magic = big_endian_u32(magic_bytes.data());
  const std::uint32_t expected_magic =
      (kUint8TypeCode << 8) | static_cast<std::uint32_t>(expected_rank);
  if (magic != expected_magic) {
    throw DataError(
        fmt::format("{}: not an IDX file of rank {} (magic 0x{:08x}, expected 0x{:08x})",
                    path.string(), expected_rank, magic, expected_magic));
  }

  std::vector<std::uint8_t> header(4 * static_cast<std::size_t>(expected_rank));
  read_exactly(*reader, path, header.data(), header.size(),
               fmt::format("dimensions ({} big-endian int32)", expected_rank));
  IdxArray array;
  std::int64_t elements = 1;
  for (int d = 0; d < expected_rank; ++d) {
    // Dimensions are signed int32 in the format; a set top bit is negative.
    const auto dim = static_cast<std::int32_t>(big_endian_u32(&header[4 * d]));
    if (dim <= 0) {
      throw DataError(
          fmt::format("{}: dimension {} is {}, expected a positive size", path.string(), d, dim));
    }
    array.dims.push_back(dim);
    elements *= dim;
    if (elements > kMaxElements) {
      throw DataError(fmt::format("{}: dimensions {}... exceed the limit of {} values",
                                  path.string(), format_dims(array.dims), kMaxElements));
    }
  }

  const auto expected_bytes = static_cast<std::size_t>(elements);
  std::size_t have = 0;
  while (have < expected_bytes) {
    const std::size_t want = std::min(expected_bytes - have, kChunkBytes);
    array.bytes.resize(have + want);
    const std::size_t got = reader->read(array.bytes.data() + have, want);
    have += got;
    if (got < want) break;
  }
  if (have != expected_bytes) {
    throw DataError(fmt::format("{}: truncated: expected {} bytes of data ({}), found {}",
                                path.string(), expected_bytes, format_dims(array.dims), have));
  }

  // Count what follows rather than only noticing it, so the message can say
  // how far off the file is; the buffer is reused, so this costs no memory.
  std::vector<std::uint8_t> scratch(kChunkBytes);
  std::size_t trailing = 0;
  for (;;) {
    const std::size_t got = reader->read(scratch.data(), scratch.size());
    trailing += got;
    if (got < scratch.size()) break;
  }
  if (trailing != 0) {
    throw DataError(fmt::format("{}: trailing bytes: expected {} bytes of data ({}), found {} more",
                                path.string(), expected_bytes, format_dims(array.dims), trailing));
  }
  reader->finish();
  return array;
}

}  // namespace gansweep::data
