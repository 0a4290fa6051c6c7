// Loads a Fashion-MNIST split (or any MNIST-format split) into tensors, and
// checks that the image and label files describe the same 28x28 examples so
// that a mismatched pair of files cannot silently shift every label.
#include "data/fashion_mnist.h"

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "data/idx_file.h"

namespace gansweep::data {
namespace {

constexpr std::int64_t kSide = 28;
constexpr int kNumClasses = 10;

// `dir`/`stem`.gz, or `dir`/`stem` when only the uncompressed file is there.
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  const std::filesystem::path gz = dir / (stem + ".gz");
  const std::filesystem::path plain = dir / stem;
  std::error_code error;
  if (std::filesystem::exists(gz, error)) return gz;
  if (std::filesystem::exists(plain, error)) return plain;
  throw DataError(fmt::format("{}: no such file (nor {})", gz.string(), plain.string()));
}

}  // namespace

ImageSet load_fashion_mnist(const std::filesystem::path& dir, Split split) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::filesystem::path labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");

  IdxArray images = read_idx_file(images_path, 3);
  if (images.dims[1] != kSide || images.dims[2] != kSide) {
    throw DataError(fmt::format("{}: images of {}x{} pixels, expected {}x{}", images_path.string(),
                                images.dims[1], images.dims[2], kSide, kSide));
  }
  const std::int64_t count = images.dims[0];

  IdxArray labels = read_idx_file(labels_path, 1);
  if (labels.dims[0] != count) {
    throw DataError(fmt::format("{}: {} labels, expected {} (one per image in {})",
                                labels_path.string(), labels.dims[0], count, images_path.string()));
  }
  for (std::size_t i = 0; i < labels.bytes.size(); ++i) {
    if (labels.bytes[i] >= kNumClasses) {
      throw DataError(fmt::format("{}: label {} at index {}, expected 0..{}", labels_path.string(),
                                  static_cast<int>(labels.bytes[i]), i, kNumClasses - 1));
    }
  }

  ImageSet set;
  set.images = torch::empty({count, 1, kSide, kSide}, torch::kUInt8);  // (N, 1, 28, 28)
  std::memcpy(set.images.data_ptr<std::uint8_t>(), images.bytes.data(), images.bytes.size());
  set.labels = torch::empty({count}, torch::kLong);
  auto* label_out = set.labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < count; ++i) label_out[i] = labels.bytes[i];
  return set;
}

torch::Tensor to_unit_range(const torch::Tensor& pixels) {
  // Float input would most likely be pixels already scaled once; scaling
  // them again would quietly squash the data, so insist on raw bytes.
  TORCH_CHECK(pixels.scalar_type() == torch::kUInt8, "to_unit_range expects uint8 pixels, got ",
              pixels.scalar_type());
  // 255 / 127.5 is exactly 2 in float32, so both ends map exactly to -1 and 1.
  return pixels.to(torch::kFloat32).div_(127.5).sub_(1.0);
}

}  // namespace gansweep::data
