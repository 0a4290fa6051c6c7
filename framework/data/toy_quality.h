// Sample quality on toy mixtures, by the VEEGAN/PacGAN protocol
// (REFERENCE.md §3): a generated point is high quality if it lies within
// 3 standard deviations of its nearest mode; a mode is covered if it is the
// nearest mode of at least one high-quality point.
#pragma once

#include <optional>

#include <torch/torch.h>

#include "data/real_data.h"

namespace gansweep::data {

struct ToyQuality {
  int modes_covered = 0;
  double high_quality_fraction = 0;  // in [0, 1]
  // KL divergence of the per-mode histogram of high-quality points from the
  // uniform distribution over all K modes; empty when no point is high
  // quality (the histogram is then undefined).
  std::optional<double> mode_kl;
};

// `samples` is (N, 2), any device. Non-finite points count as not high
// quality.
ToyQuality evaluate_toy_quality(const torch::Tensor& samples, const ToyMixture& mixture);

}  // namespace gansweep::data
