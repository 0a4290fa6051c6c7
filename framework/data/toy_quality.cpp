// Mode coverage and sample quality of generated toy points, the numbers the
// VEEGAN/PacGAN papers report for ring8 and grid25. Computed in double on
// the CPU so the result does not depend on the device the generator ran on.
#include "data/toy_quality.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gansweep::data {
namespace {

// A point is high quality within this many standard deviations of its
// nearest mode (REFERENCE.md §3).
constexpr double kQualityStds = 3.0;

}  // namespace

ToyQuality evaluate_toy_quality(const torch::Tensor& samples, const ToyMixture& mixture) {
  if (!samples.defined() || samples.dim() != 2 || samples.size(1) != 2) {
    throw std::invalid_argument("evaluate_toy_quality: samples must be an (N, 2) tensor");
  }
  if (!mixture.means.defined() || mixture.means.dim() != 2 || mixture.means.size(0) < 1 ||
      mixture.means.size(1) != 2) {
    throw std::invalid_argument("evaluate_toy_quality: means must be a (K, 2) tensor");
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor points = samples.detach().to(torch::kCPU, torch::kFloat64);  // (N, 2)
  const torch::Tensor means = mixture.means.to(torch::kCPU, torch::kFloat64);      // (K, 2)
  const std::int64_t count = points.size(0);
  const std::int64_t modes = means.size(0);

  ToyQuality quality;
  if (count == 0) return quality;

  // (N, K) distances; N*K stays small for the 2,500 points of the protocol.
  const torch::Tensor distances =
      (points.unsqueeze(1) - means.unsqueeze(0)).square().sum(-1).sqrt();
  const auto [nearest_distance, nearest_mode] = distances.min(1);  // (N), (N)
  // NaN compares false, but an infinite coordinate next to a finite mode
  // gives distance inf, and inf - inf gives NaN; test finiteness explicitly
  // so that no such point can ever count.
  const torch::Tensor finite = torch::isfinite(points).all(1);  // (N)
  const torch::Tensor high = finite & (nearest_distance <= kQualityStds * mixture.std);
  const torch::Tensor histogram =
      torch::bincount(nearest_mode.masked_select(high), /*weights=*/{}, modes);  // (K)

  const auto counts = histogram.accessor<std::int64_t, 1>();
  std::int64_t high_count = 0;
  for (std::int64_t k = 0; k < modes; ++k) {
    high_count += counts[k];
    if (counts[k] > 0) ++quality.modes_covered;
  }
  quality.high_quality_fraction = static_cast<double>(high_count) / count;
  if (high_count == 0) return quality;

  // KL(p || uniform) = sum_k p_k log(p_k / (1/K)); empty bins contribute 0.
  double kl = 0;
  for (std::int64_t k = 0; k < modes; ++k) {
    if (counts[k] == 0) continue;
    const double p = static_cast<double>(counts[k]) / high_count;
    kl += p * std::log(p * modes);
  }
  // Rounding can leave a uniform histogram a hair below the true minimum 0.
  quality.mode_kl = std::max(0.0, kl);
  return quality;
}

}  // namespace gansweep::data
