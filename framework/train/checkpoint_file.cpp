#include "train/checkpoint_file.h"

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "train/trainer.h"
#include "util/durable_file.h"
#include "util/stable_hash.h"

namespace gansweep {
namespace {

constexpr std::string_view kTrailerMagic = "GSCK";
constexpr std::size_t kTrailerSize = 8 + kTrailerMagic.size();

std::string with_trailer(std::string archive_bytes) {
  std::uint64_t hash = stable_hash64(archive_bytes);
  for (int i = 0; i < 8; ++i) {
    archive_bytes.push_back(static_cast<char>(hash & 0xff));
    hash >>= 8;
  }
  archive_bytes.append(kTrailerMagic);
  return archive_bytes;
}

}  // namespace

void write_checkpoint_file(torch::serialize::OutputArchive& archive,
                           const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temporary = path.string() + ".partial";
  std::string bytes;
  archive.save_to([&](const void* data, std::size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    const std::string file = with_trailer(std::move(bytes));
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out.flush()) {
      throw std::runtime_error(fmt::format("{}: cannot write the checkpoint", temporary.string()));
    }
  }
  commit_file(temporary, path);
}

std::string read_checkpoint_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    throw CheckpointError(fmt::format("{}: cannot read the checkpoint", path.string()));
  }
  if (bytes.size() < kTrailerSize ||
      std::string_view(bytes).substr(bytes.size() - kTrailerMagic.size()) != kTrailerMagic) {
    throw CheckpointError(
        fmt::format("{}: not a gansweep checkpoint (no trailer; cut short, or from an older "
                    "gansweep)",
                    path.string()));
  }
  const std::size_t archive_size = bytes.size() - kTrailerSize;
  std::uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) {
    stored = (stored << 8) | static_cast<unsigned char>(bytes[archive_size + i]);
  }
  bytes.resize(archive_size);
  if (stable_hash64(bytes) != stored) {
    throw CheckpointError(fmt::format(
        "{}: the checkpoint's bytes do not match its hash (the file was damaged)", path.string()));
  }
  return bytes;
}

}  // namespace gansweep
