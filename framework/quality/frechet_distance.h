// The Frechet distance between two sets of feature vectors, each summarised
// by a Gaussian (mean and covariance): the squared 2-Wasserstein distance
// between those Gaussians,
//   d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2).
// Computed from the classifier's features this is the image quality score
// of Heusel et al. (2017) with a Fashion-MNIST classifier in place of
// Inception, so its values are not comparable with published FIDs.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace gansweep::quality {

struct FeatureStatistics {
  torch::Tensor mean;        // (D) float64
  torch::Tensor covariance;  // (D, D) float64, unbiased (divided by N - 1)
  std::int64_t count = 0;    // N, the vectors summarised
};

// Mean and covariance of `features` (N, D), N >= 2, computed in float64.
FeatureStatistics feature_statistics(const torch::Tensor& features);

// The distance between the Gaussians of `a` and `b` (same D). Never
// negative. Computed in float64 with symmetric eigendecompositions, which
// stay accurate where a general matrix square root loses precision or turns
// complex on nearly singular covariances.
double frechet_distance(const FeatureStatistics& a, const FeatureStatistics& b);

// The principal square root of a symmetric positive semi-definite matrix,
// float64: V diag(sqrt(max(lambda, 0))) V^T.
torch::Tensor psd_square_root(const torch::Tensor& matrix);

}  // namespace gansweep::quality
