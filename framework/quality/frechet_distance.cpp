#include "quality/frechet_distance.h"

#include <algorithm>

namespace gansweep::quality {
namespace {

// (M + M^T) / 2: products such as S1^1/2 S2 S1^1/2 are symmetric in exact
// arithmetic but not in floating point, and eigh reads one triangle only.
torch::Tensor symmetrized(const torch::Tensor& matrix) { return (matrix + matrix.t()) / 2; }

// Eigenvalues of a covariance (or of S1^1/2 S2 S1^1/2) are never negative in
// exact arithmetic. Rounding makes the zero ones, from constant features
// (a ReLU unit that never fires) or fewer samples than dimensions, come out
// as tiny negatives such as -1e-17, whose square root would be NaN; they
// are set to 0.
torch::Tensor clamped(const torch::Tensor& eigenvalues) { return eigenvalues.clamp_min(0.0); }

}  // namespace

FeatureStatistics feature_statistics(const torch::Tensor& features) {
  TORCH_CHECK(features.dim() == 2, "feature_statistics expects (N, D) features, got ",
              features.sizes());
  TORCH_CHECK(features.size(0) >= 2, "feature_statistics needs at least 2 vectors, got ",
              features.size(0));
  const torch::Tensor x = features.to(torch::kCPU, torch::kDouble);
  FeatureStatistics stats;
  stats.count = x.size(0);
  stats.mean = x.mean(0);
  const torch::Tensor centred = x - stats.mean;
  stats.covariance =
      symmetrized(centred.t().matmul(centred) / static_cast<double>(stats.count - 1));
  return stats;
}

torch::Tensor psd_square_root(const torch::Tensor& matrix) {
  const auto [eigenvalues, eigenvectors] =
      torch::linalg_eigh(symmetrized(matrix.to(torch::kDouble)));
  return (eigenvectors * clamped(eigenvalues).sqrt()).matmul(eigenvectors.t());
}

double frechet_distance(const FeatureStatistics& a, const FeatureStatistics& b) {
  TORCH_CHECK(a.mean.dim() == 1 && a.mean.sizes() == b.mean.sizes(),
              "frechet_distance needs statistics of one dimension, got ", a.mean.sizes(), " and ",
              b.mean.sizes());
  const torch::Tensor mean_a = a.mean.to(torch::kDouble);
  const torch::Tensor mean_b = b.mean.to(torch::kDouble);
  const torch::Tensor cov_a = a.covariance.to(torch::kDouble);
  const torch::Tensor cov_b = b.covariance.to(torch::kDouble);

  const double mean_term = (mean_a - mean_b).square().sum().item<double>();

  // Tr((S1^1/2 S2 S1^1/2)^1/2) is the sum of the square roots of the
  // eigenvalues of S1^1/2 S2 S1^1/2, a symmetric PSD matrix; it equals
  // Tr((S1 S2)^1/2) without having to take the root of a non-symmetric one.
  const torch::Tensor root_a = psd_square_root(cov_a);
  const torch::Tensor inner = symmetrized(root_a.matmul(cov_b).matmul(root_a));
  const double cross_term = clamped(torch::linalg_eigvalsh(inner)).sqrt().sum().item<double>();

  const double distance =
      mean_term + cov_a.trace().item<double>() + cov_b.trace().item<double>() - 2.0 * cross_term;
  // The exact value is a squared distance, never negative; for two equal
  // sets rounding leaves something like -1e-13 instead of 0.
  return std::max(distance, 0.0);
}

}  // namespace gansweep::quality
