// Sources of real samples for the discriminator. Each owns a random stream
// seeded from the run's seed tree, so data order never depends on how much
// noise the trainer drew, and a source's position can be saved and restored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "config/choices.h"
#include "data/fashion_mnist.h"

namespace gansweep::data {

// A mixture of equal-weight isotropic 2-D Gaussians (REFERENCE.md §3).
struct ToyMixture {
  torch::Tensor means;  // (K, 2) float32
  double std = 0;
};

// ring8: 8 modes on the unit circle at angles 2*pi*k/8, std 0.01.
ToyMixture ring8_mixture();
// grid25: modes at {-4, -2, 0, 2, 4}^2, std 0.05.
ToyMixture grid25_mixture();

// The mixture of a toy data kind; nothing for image data.
std::optional<ToyMixture> toy_mixture_of(DataKind kind);

class RealDataSource {
 public:
  virtual ~RealDataSource() = default;
  // The next `batch` real samples, float32, on `device`:
  // (B, 2) for toy data, (B, 1, 28, 28) in [-1, 1] for images.
  virtual torch::Tensor next_batch(std::int64_t batch, const torch::Device& device) = 0;
  // Shape of one sample: {2} or {1, 28, 28}.
  virtual std::vector<std::int64_t> sample_shape() const = 0;
  // The source's position as a small CPU tensor, so a checkpoint can store it
  // without knowing the kind of source; load_state() of a source of the same
  // kind (any seed) then continues with exactly the batches that followed.
  // Throws std::invalid_argument for a state of the wrong kind.
  virtual torch::Tensor save_state() const = 0;
  virtual void load_state(const torch::Tensor& state) = 0;
};

// Draws i.i.d. samples from a mixture: a uniform mode index, then Gaussian
// noise around its mean. Samples are drawn on the CPU from its own generator
// and then moved, so CPU and GPU runs with one seed see the same data.
class ToySource : public RealDataSource {
 public:
  // Throws std::invalid_argument unless means is (K, 2) with K >= 1 and std
  // is finite and positive.
  ToySource(ToyMixture mixture, std::uint64_t seed);

  torch::Tensor next_batch(std::int64_t batch, const torch::Device& device) override;
  std::vector<std::int64_t> sample_shape() const override;
  // The generator state (a uint8 CPU tensor).
  torch::Tensor save_state() const override;
  void load_state(const torch::Tensor& state) override;

  const ToyMixture& mixture() const { return mixture_; }

 private:
  ToyMixture mixture_;  // means on the CPU, float32
  at::Generator generator_;
};

std::unique_ptr<RealDataSource> make_toy_source(ToyMixture mixture, std::uint64_t seed);

// Position of an image source: the next batch starts at `index` within the
// permutation of epoch `epoch`, unless fewer than B images are left there, in
// which case it starts epoch + 1 (so a finished epoch reads {e, N}).
struct ImageCursor {
  std::int64_t epoch = 0;
  std::int64_t index = 0;

  bool operator==(const ImageCursor& other) const {
    return epoch == other.epoch && index == other.index;
  }
};

// Walks an image set in shuffled epochs. The permutation of epoch e is drawn
// from a generator seeded by (seed, e) so the order is fixed by the seed alone.
// The last incomplete batch of an epoch is dropped, so every batch has B rows.
// The whole set is kept on `device` as uint8 and converted per batch.
class ImageSource : public RealDataSource {
 public:
  // Throws std::invalid_argument for an empty set or images that are not
  // uint8 of shape (N, ...); Fashion-MNIST's are (N, 1, 28, 28).
  ImageSource(ImageSet images, std::uint64_t seed, const torch::Device& device);

  // Throws std::invalid_argument unless 1 <= batch <= size().
  torch::Tensor next_batch(std::int64_t batch, const torch::Device& device) override;
  std::vector<std::int64_t> sample_shape() const override;
  // The cursor as an int64 CPU tensor {epoch, index}.
  torch::Tensor save_state() const override;
  void load_state(const torch::Tensor& state) override;

  ImageCursor cursor() const { return cursor_; }
  // Throws std::invalid_argument unless epoch >= 0 and 0 <= index <= size().
  void set_cursor(ImageCursor cursor);
  std::int64_t size() const { return size_; }

 private:
  // The permutation of cursor_.epoch, drawn on first use in that epoch.
  const torch::Tensor& permutation();

  torch::Tensor images_;  // (N, 1, 28, 28) uint8 on device_
  std::int64_t size_ = 0;
  std::uint64_t seed_ = 0;
  torch::Device device_;
  ImageCursor cursor_;
  torch::Tensor permutation_;  // (N) int64 on device_, of permutation_epoch_
  std::int64_t permutation_epoch_ = -1;
};

std::unique_ptr<RealDataSource> make_image_source(ImageSet images, std::uint64_t seed,
                                                  const torch::Device& device);

}  // namespace gansweep::data
