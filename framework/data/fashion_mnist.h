// Fashion-MNIST from Debian's dataset-fashion-mnist package (or any folder
// holding the four MNIST-format files), as tensors a tanh generator can match.
#pragma once

#include <filesystem>
#include <string>

#include <torch/torch.h>

namespace gansweep::data {

// Where Debian's dataset-fashion-mnist package installs the files.
inline constexpr const char* kDefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

enum class Split { kTrain, kTest };

struct ImageSet {
  torch::Tensor images;  // (N, 1, 28, 28) uint8, as stored
  torch::Tensor labels;  // (N) int64, class 0..9
};

// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`.
// Throws DataError naming the file when one is missing or malformed, or when
// image and label counts disagree.
ImageSet load_fashion_mnist(const std::filesystem::path& dir, Split split);

// uint8 pixels (any shape) to float32 in [-1, 1]: x / 127.5 - 1.
torch::Tensor to_unit_range(const torch::Tensor& pixels);

}  // namespace gansweep::data
