// The real-sample sources: i.i.d. draws from a toy Gaussian mixture, and
// shuffled epochs over an image set. Both draw their randomness on the CPU
// from generators of their own, so data never depends on the device or on
// how much other randomness the trainer consumed.
#include "data/real_data.h"

#include <cmath>
#include <stdexcept>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "util/seed_tree.h"

namespace gansweep::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

ToyMixture ring8_mixture() {
  constexpr int kModes = 8;
  ToyMixture mixture;
  mixture.means = torch::empty({kModes, 2}, torch::kFloat32);
  auto means = mixture.means.accessor<float, 2>();
  for (int k = 0; k < kModes; ++k) {
    // k / 8 for k = 0..7, never 8: angle 2*pi would repeat mode 0.
    const double angle = 2.0 * kPi * k / kModes;
    means[k][0] = static_cast<float>(std::cos(angle));
    means[k][1] = static_cast<float>(std::sin(angle));
  }
  mixture.std = 0.01;
  return mixture;
}

ToyMixture grid25_mixture() {
  constexpr int kSide = 5;
  ToyMixture mixture;
  mixture.means = torch::empty({kSide * kSide, 2}, torch::kFloat32);
  auto means = mixture.means.accessor<float, 2>();
  for (int i = 0; i < kSide; ++i) {
    for (int j = 0; j < kSide; ++j) {
      means[i * kSide + j][0] = static_cast<float>(-4 + 2 * i);
      means[i * kSide + j][1] = static_cast<float>(-4 + 2 * j);
    }
  }
  mixture.std = 0.05;
  return mixture;
}

std::optional<ToyMixture> toy_mixture_of(DataKind kind) {
  switch (kind) {
    case DataKind::kRing8:
      return ring8_mixture();
    case DataKind::kGrid25:
      return grid25_mixture();
    case DataKind::kFashionMnist:
      break;
  }
  return std::nullopt;
}

ToySource::ToySource(ToyMixture mixture, std::uint64_t seed)
    : mixture_(std::move(mixture)), generator_(at::detail::createCPUGenerator(seed)) {
  if (!mixture_.means.defined() || mixture_.means.dim() != 2 || mixture_.means.size(0) < 1 ||
      mixture_.means.size(1) != 2) {
    throw std::invalid_argument("ToySource: means must be a (K, 2) tensor with K >= 1");
  }
  if (!std::isfinite(mixture_.std) || mixture_.std <= 0) {
    throw std::invalid_argument(
        fmt::format("ToySource: std must be finite and positive, got {}", mixture_.std));
  }
  // A private CPU copy: the caller's tensor may live on a GPU or be changed.
  mixture_.means = mixture_.means.to(torch::kCPU, torch::kFloat32).clone().contiguous();
}

torch::Tensor ToySource::next_batch(std::int64_t batch, const torch::Device& device) {
  if (batch < 1) {
    throw std::invalid_argument(fmt::format("ToySource: batch must be >= 1, got {}", batch));
  }
  // Modes first, then noise: this order is part of what a seed means.
  const torch::Tensor modes =
      torch::randint(mixture_.means.size(0), {batch}, generator_, torch::kLong);      // (B)
  const torch::Tensor noise = torch::randn({batch, 2}, generator_, torch::kFloat32);  // (B, 2)
  const torch::Tensor points = mixture_.means.index_select(0, modes) + noise * mixture_.std;
  return points.to(device);
}

std::vector<std::int64_t> ToySource::sample_shape() const { return {2}; }

torch::Tensor ToySource::save_state() const { return generator_.get_state(); }

void ToySource::load_state(const torch::Tensor& state) {
  // set_state checks the size too, but its error would not say what we got.
  const torch::Tensor current = generator_.get_state();
  if (!state.defined() || state.scalar_type() != torch::kUInt8 || state.dim() != 1 ||
      state.numel() != current.numel()) {
    throw std::invalid_argument(
        fmt::format("ToySource: not a generator state (expected a uint8 CPU tensor of {} bytes)",
                    current.numel()));
  }
  generator_.set_state(state.to(torch::kCPU).contiguous());
}

std::unique_ptr<RealDataSource> make_toy_source(ToyMixture mixture, std::uint64_t seed) {
  return std::make_unique<ToySource>(std::move(mixture), seed);
}

ImageSource::ImageSource(ImageSet images, std::uint64_t seed, const torch::Device& device)
    : seed_(seed), device_(device) {
  const torch::Tensor& pixels = images.images;
  if (!pixels.defined() || pixels.dim() < 2 || pixels.scalar_type() != torch::kUInt8) {
    throw std::invalid_argument("ImageSource: images must be an (N, ...) uint8 tensor");
  }
  if (pixels.size(0) < 1) {
    throw std::invalid_argument("ImageSource: the image set is empty");
  }
  size_ = pixels.size(0);
  // Moved once: per batch only the selected rows are converted to float.
  images_ = pixels.to(device_).contiguous();
}

const torch::Tensor& ImageSource::permutation() {
  if (permutation_epoch_ != cursor_.epoch) {
    // A fresh generator per epoch, so jumping to any cursor is cheap and
    // exact: nothing depends on how many epochs were walked before.
    at::Generator generator = at::detail::createCPUGenerator(
        derive_seed(seed_, static_cast<std::uint64_t>(cursor_.epoch)));
    permutation_ = torch::randperm(size_, generator, torch::kLong).to(device_);
    permutation_epoch_ = cursor_.epoch;
  }
  return permutation_;
}

torch::Tensor ImageSource::next_batch(std::int64_t batch, const torch::Device& device) {
  if (batch < 1 || batch > size_) {
    throw std::invalid_argument(
        fmt::format("ImageSource: batch must be in 1..{} (the set's size), got {}", size_, batch));
  }
  if (cursor_.index + batch > size_) {
    // Drop the incomplete rest of the epoch so every batch has B rows.
    ++cursor_.epoch;
    cursor_.index = 0;
  }
  const torch::Tensor rows = permutation().narrow(0, cursor_.index, batch);  // (B)
  cursor_.index += batch;
  return to_unit_range(images_.index_select(0, rows)).to(device);
}

std::vector<std::int64_t> ImageSource::sample_shape() const {
  const auto sizes = images_.sizes();
  return {sizes.begin() + 1, sizes.end()};
}

torch::Tensor ImageSource::save_state() const {
  torch::Tensor state = torch::empty({2}, torch::kLong);
  state[0] = cursor_.epoch;
  state[1] = cursor_.index;
  return state;
}

void ImageSource::load_state(const torch::Tensor& state) {
  if (!state.defined() || state.scalar_type() != torch::kLong || state.dim() != 1 ||
      state.numel() != 2) {
    throw std::invalid_argument(
        "ImageSource: not a cursor state (expected an int64 tensor {epoch, index})");
  }
  const torch::Tensor cpu = state.to(torch::kCPU);
  set_cursor({cpu[0].item<std::int64_t>(), cpu[1].item<std::int64_t>()});
}

void ImageSource::set_cursor(ImageCursor cursor) {
  if (cursor.epoch < 0 || cursor.index < 0 || cursor.index > size_) {
    throw std::invalid_argument(
        fmt::format("ImageSource: cursor (epoch {}, index {}) out of range for {} images",
                    cursor.epoch, cursor.index, size_));
  }
  cursor_ = cursor;
}

std::unique_ptr<RealDataSource> make_image_source(ImageSet images, std::uint64_t seed,
                                                  const torch::Device& device) {
  return std::make_unique<ImageSource>(std::move(images), seed, device);
}

}  // namespace gansweep::data
