#include "quality/class_coverage.h"

#include <algorithm>
#include <cmath>

namespace gansweep::quality {

ClassCoverage class_coverage(const torch::Tensor& probabilities, const CoverageOptions& options) {
  TORCH_CHECK(probabilities.dim() == 2 && probabilities.size(1) >= 1,
              "class_coverage expects (N, K) probabilities, got ", probabilities.sizes());
  const torch::Tensor p = probabilities.to(torch::kCPU, torch::kDouble);
  const std::int64_t count = p.size(0);
  const std::int64_t classes = p.size(1);

  ClassCoverage coverage;
  coverage.top_counts.assign(classes, 0);
  coverage.confident.assign(classes, 0);
  if (count == 0) return coverage;

  const auto [top_values, top_indices] = p.max(1);
  const torch::Tensor top_probability = top_values.contiguous();
  const torch::Tensor top_class = top_indices.contiguous();
  const auto* probability = top_probability.data_ptr<double>();
  const auto* label = top_class.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < count; ++i) {
    ++coverage.top_counts[label[i]];
    if (probability[i] >= options.min_confidence) ++coverage.confident[label[i]];
  }

  // The product can land a rounding error above a whole number (0.07 * 100
  // is 7.000000000000001), which ceil would turn into one more sample.
  const double share_of_count = options.min_fraction * static_cast<double>(count);
  const double needed = std::max(1.0, std::ceil(share_of_count * (1 - 1e-12)));
  double kl = 0;
  for (std::int64_t k = 0; k < classes; ++k) {
    if (static_cast<double>(coverage.confident[k]) >= needed) ++coverage.classes_covered;
    // 0 log 0 = 0: an empty class adds nothing to KL(p || uniform).
    if (coverage.top_counts[k] > 0) {
      const double share = static_cast<double>(coverage.top_counts[k]) / count;
      kl += share * std::log(share * classes);
    }
  }
  // Rounding can leave -1e-17 for a perfectly even histogram.
  coverage.class_kl = std::max(0.0, kl);
  return coverage;
}

}  // namespace gansweep::quality
