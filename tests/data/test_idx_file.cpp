// Tests of the IDX reader on files written byte by byte: round trips, plain
// and gzipped, and one test per way a file can be damaged, each checking that
// the error names the file and says what was expected.
#include "data/idx_file.h"

#include <gtest/gtest.h>

#include <string>

#include "data_test_util.h"

namespace gansweep::data {
namespace {

using test_util::counting_bytes;
using test_util::idx_bytes;
using test_util::read_raw;
using test_util::TempDir;
using test_util::write_file;

// The message of the DataError that reading `path` throws ("" if none).
std::string read_error(const std::filesystem::path& path, int rank) {
  try {
    read_idx_file(path, rank);
  } catch (const DataError& error) {
    return error.what();
  }
  return "";
}

class IdxFileTest : public ::testing::TestWithParam<const char*> {
 protected:
  // A file name with the parameter's extension ("" or ".gz").
  std::filesystem::path file(const std::string& stem) const {
    return dir_.path() / (stem + GetParam());
  }

  TempDir dir_;
};

TEST_P(IdxFileTest, RoundTripsRank3) {
  const auto data = counting_bytes(3 * 4 * 5);
  const auto path = file("images");
  write_file(path, idx_bytes({3, 4, 5}, data));
  const IdxArray array = read_idx_file(path, 3);
  EXPECT_EQ(array.dims, (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(array.bytes, data);
}

TEST_P(IdxFileTest, RoundTripsRank1) {
  const std::vector<std::uint8_t> data = {9, 0, 0, 3, 255};
  const auto path = file("labels");
  write_file(path, idx_bytes({5}, data));
  const IdxArray array = read_idx_file(path, 1);
  EXPECT_EQ(array.dims, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(array.bytes, data);
}

TEST_P(IdxFileTest, RoundTripsDataLargerThanOneReadChunk) {
  // 3 MB crosses the reader's 1 MiB chunks, and gzread's internal buffers.
  const auto data = counting_bytes(3 * 1000 * 1000);
  const auto path = file("big");
  write_file(path, idx_bytes({3, 1000, 1000}, data));
  const IdxArray array = read_idx_file(path, 3);
  EXPECT_EQ(array.dims, (std::vector<std::int64_t>{3, 1000, 1000}));
  EXPECT_EQ(array.bytes, data);
}

TEST_P(IdxFileTest, WrongRankNamesBothMagics) {
  const auto path = file("labels");
  write_file(path, idx_bytes({5}, counting_bytes(5)));
  EXPECT_EQ(read_error(path, 3),
            path.string() + ": not an IDX file of rank 3 (magic 0x00000801, expected 0x00000803)");
}

TEST_P(IdxFileTest, WrongDataTypeIsRejected) {
  // Type code 0x0D is float32: same rank, but not bytes.
  auto bytes = idx_bytes({2}, counting_bytes(8));
  bytes[2] = 0x0D;
  const auto path = file("floats");
  write_file(path, bytes);
  EXPECT_EQ(read_error(path, 1),
            path.string() + ": not an IDX file of rank 1 (magic 0x00000d01, expected 0x00000801)");
}

TEST_P(IdxFileTest, TextFileIsNotIdx) {
  const std::string text = "hello, world\n";
  const auto path = file("text");
  write_file(path, {text.begin(), text.end()});
  // "hell" read as a big-endian int32.
  EXPECT_EQ(read_error(path, 1),
            path.string() + ": not an IDX file of rank 1 (magic 0x68656c6c, expected 0x00000801)");
}

TEST_P(IdxFileTest, EmptyFileIsTruncated) {
  const auto path = file("empty");
  write_file(path, {});
  EXPECT_EQ(read_error(path, 1),
            path.string() + ": truncated: expected 4 bytes of IDX magic number, found 0");
}

TEST_P(IdxFileTest, TruncatedDimensions) {
  auto bytes = idx_bytes({3, 4, 5}, {});
  bytes.resize(4 + 5);  // magic and 5 of the 12 bytes of dimensions
  const auto path = file("short-header");
  write_file(path, bytes);
  EXPECT_EQ(
      read_error(path, 3),
      path.string() + ": truncated: expected 12 bytes of dimensions (3 big-endian int32), found 5");
}

TEST_P(IdxFileTest, ZeroDimensionIsRejected) {
  const auto path = file("zero");
  write_file(path, idx_bytes({3, 0, 5}, {}));
  EXPECT_EQ(read_error(path, 3), path.string() + ": dimension 1 is 0, expected a positive size");
}

TEST_P(IdxFileTest, NegativeDimensionIsRejected) {
  const auto path = file("negative");
  write_file(path, idx_bytes({0x80000000u}, {}));
  EXPECT_EQ(read_error(path, 1),
            path.string() + ": dimension 0 is -2147483648, expected a positive size");
}

TEST_P(IdxFileTest, AbsurdSizeIsRejectedBeforeReading) {
  // 65536^3 values: a corrupt header must not make the reader allocate them.
  const auto path = file("huge");
  write_file(path, idx_bytes({65536, 65536, 65536}, counting_bytes(10)));
  EXPECT_EQ(read_error(path, 3),
            path.string() + ": dimensions 65536x65536... exceed the limit of 2147483648 values");
}

TEST_P(IdxFileTest, TruncatedDataSaysHowMuchIsMissing) {
  auto bytes = idx_bytes({3, 4, 5}, counting_bytes(60));
  bytes.pop_back();
  const auto path = file("train-images-idx3-ubyte");
  write_file(path, bytes);
  EXPECT_EQ(read_error(path, 3),
            path.string() + ": truncated: expected 60 bytes of data (3x4x5), found 59");
}

TEST_P(IdxFileTest, TrailingBytesAreRejected) {
  auto bytes = idx_bytes({3, 4, 5}, counting_bytes(62));
  const auto path = file("trailing");
  write_file(path, bytes);
  EXPECT_EQ(read_error(path, 3),
            path.string() + ": trailing bytes: expected 60 bytes of data (3x4x5), found 2 more");
}

TEST_P(IdxFileTest, MissingFile) {
  const auto path = file("absent");
  EXPECT_EQ(read_error(path, 3), path.string() + ": no such file");
}

INSTANTIATE_TEST_SUITE_P(PlainAndGzip, IdxFileTest, ::testing::Values("", ".gz"),
                         [](const auto& info) {
                           return std::string(info.param).empty() ? "Plain" : "Gzip";
                         });

TEST(IdxFile, DirectoryIsNotAFile) {
  TempDir dir;
  EXPECT_EQ(read_error(dir.path(), 1),
            dir.path().string() + ": is a directory, expected an IDX file");
}

TEST(IdxFile, GzipCutBeforeItsTrailerIsCorrupt) {
  // The data is complete, but without the gzip trailer its CRC was never
  // checked, so the file cannot be trusted.
  TempDir dir;
  const auto path = dir.path() / "cut.gz";
  write_file(path, idx_bytes({3, 4, 5}, counting_bytes(60)));
  auto raw = read_raw(path);
  raw.resize(raw.size() - 8);  // CRC32 and length
  write_file(dir.path() / "cut.tmp", raw);
  std::filesystem::rename(dir.path() / "cut.tmp", path);
  const std::string message = read_error(path, 3);
  EXPECT_EQ(message.rfind(path.string() + ": corrupt gzip data: ", 0), 0u) << message;
}

TEST(IdxFile, GzipWithWrongChecksumIsCorrupt) {
  TempDir dir;
  const auto path = dir.path() / "crc.gz";
  write_file(path, idx_bytes({3, 4, 5}, counting_bytes(60)));
  auto raw = read_raw(path);
  raw[raw.size() - 8] ^= 0xff;  // first byte of the CRC32
  write_file(dir.path() / "crc.tmp", raw);
  std::filesystem::rename(dir.path() / "crc.tmp", path);
  const std::string message = read_error(path, 3);
  EXPECT_EQ(message, path.string() + ": corrupt gzip data: incorrect data check");
}

TEST(IdxFile, GzipCutInTheMiddleIsTruncated) {
  TempDir dir;
  const auto path = dir.path() / "half.gz";
  // Incompressible-looking data so that the compressed stream is long.
  std::vector<std::uint8_t> data(100000);
  std::uint32_t state = 12345;
  for (auto& byte : data) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<std::uint8_t>(state >> 24);
  }
  write_file(path, idx_bytes({100000}, data));
  auto raw = read_raw(path);
  raw.resize(raw.size() / 2);
  write_file(dir.path() / "half.tmp", raw);
  std::filesystem::rename(dir.path() / "half.tmp", path);
  const std::string message = read_error(path, 1);
  EXPECT_EQ(message.rfind(path.string() + ": truncated: expected 100000 bytes of data (100000), "
                                          "found ",
                          0),
            0u)
      << message;
}

TEST(IdxFile, RejectsNonsenseExpectedRank) {
  TempDir dir;
  EXPECT_THROW(read_idx_file(dir.path() / "x", 0), std::invalid_argument);
}

}  // namespace
}  // namespace gansweep::data
